"""Small helpers shared by the job API and CLI tools, mirroring ``flux.util``.

The pieces of flux-core 0.88's ``flux.util`` that need no running instance:
Flux Standard Duration (RFC 23) parsing and formatting, human-friendly
datetimes (``parse_datetime``), dotted-key access to nested dicts
("treedicts", as jobspec attributes are addressed), ``dict_merge``, the XDG
config search path, ``Fileref`` (an RFC 37 file archive entry), the
``--color`` option (``ColorAction``) and formatted output of records
(``OutputFormat`` and friends, defined in :mod:`fluxsim.outputformat`)::

    >>> parse_fsd("1.5h")
    5400.0
    >>> fsd(5400)
    '1.5h'
    >>> d = {}
    >>> set_treedict(d, "system.shell.options.mpi", "none")
    >>> d
    {'system': {'shell': {'options': {'mpi': 'none'}}}}

Behaviour and error messages follow flux-core 0.88, quirks included, so code
written against ``flux.util`` sees the same results here.  ``parse_fsd`` and
``fsd`` are defined in :mod:`fluxsim.fsd` and re-exported here.
"""

import argparse
import base64
import os
import stat
import sys
from collections import abc
from datetime import datetime
from pathlib import Path

# flux.util's RFC 23 functions live in fluxsim.fsd, beside Flux's C rule.
from fluxsim.fsd import fsd, parse_fsd
from fluxsim.outputformat import (
    AltField,
    Deduplicator,
    DisplayValue,
    OutputFormat,
    UtilDatetime,
    UtilFormatter,
    empty_outputs,
)

__all__ = [
    "parse_fsd",
    "fsd",
    "parse_datetime",
    "get_treedict",
    "set_treedict",
    "del_treedict",
    "dict_merge",
    "xdg_searchpath",
    "Fileref",
    "ColorAction",
    "AltField",
    "Deduplicator",
    "DisplayValue",
    "OutputFormat",
    "UtilDatetime",
    "UtilFormatter",
    "empty_outputs",
]


def parse_datetime(string, now=None):
    """A datetime from ``"+FSD"``/``"-FSD"`` (relative to ``now``), ``"now"``,
    or a human-friendly date (``"tomorrow"``, ``"Jun 10 8am"``, ``"in 10 min"``).

    Dates are read by the ``parsedatetime`` package, as flux reads them
    (with days starting at midnight).

    Raises:
        ValueError: ``string`` is not a date or an offset.
    """
    if now is None:
        now = datetime.now().astimezone()
    if string == "now":
        return now
    if string[:1] in ("+", "-"):
        offset = parse_fsd(string[1:])
        timestamp = now.timestamp() + (offset if string[0] == "+" else -offset)
        return datetime.fromtimestamp(timestamp).astimezone()
    from parsedatetime import Calendar

    calendar = Calendar()
    calendar.ptc.StartHour = 0
    time_struct, status = calendar.parse(string, sourceTime=now.timetuple())
    if status == 0:
        raise ValueError(f'Invalid datetime: "{string}"')
    return datetime(*time_struct[:6]).astimezone()


def get_treedict(in_dict, key, default=None):
    """Return ``in_dict[a][b][c]`` for ``key="a.b.c"``, or ``default``."""
    head, dot, rest = key.partition(".")
    if not dot:
        return in_dict.get(key, default)
    try:
        return get_treedict(in_dict[head], rest, default)
    except KeyError:
        return default


def set_treedict(in_dict, key, val):
    """Set ``in_dict[a][b][c] = val`` for ``key="a.b.c"``.

    Missing intermediate levels are created as empty dicts.
    """
    head, dot, rest = key.partition(".")
    if not dot:
        in_dict[key] = val
    else:
        set_treedict(in_dict.setdefault(head, {}), rest, val)


def del_treedict(in_dict, key, remove_empty=False):
    """Delete ``in_dict[a][b][c]`` for ``key="a.b.c"``.

    With ``remove_empty``, parent dicts left empty by the deletion are
    removed too.

    Raises:
        KeyError: a component of ``key`` does not exist.
    """
    head, dot, rest = key.partition(".")
    if not dot:
        del in_dict[key]
        return
    del_treedict(in_dict[head], rest, remove_empty=remove_empty)
    child = in_dict[head]
    if remove_empty and isinstance(child, abc.Mapping) and len(child) == 0:
        del in_dict[head]


def dict_merge(src, new):
    """Merge dict ``new`` into ``src`` (nested dicts merged, other values replaced); return ``src``."""
    for key, value in new.items():
        if isinstance(src.get(key), dict) and isinstance(value, dict):
            dict_merge(src[key], value)
        else:
            src[key] = value
    return src


def xdg_searchpath(subdir=""):
    """Flux's config directories, highest precedence first: ``<dir>/flux/<subdir>`` for
    ``$XDG_CONFIG_HOME`` (or ``~/.config``) and each of ``$XDG_CONFIG_DIRS`` (or ``/etc/xdg``)."""
    confdirs = [os.getenv("XDG_CONFIG_HOME") or f"{Path.home()}/.config"]
    confdirs += (os.getenv("XDG_CONFIG_DIRS") or "/etc/xdg").split(":")
    return [Path(directory, "flux", subdir) for directory in confdirs]


class ColorAction(argparse.Action):
    """The ``--color[=WHEN]`` option: ``always``, ``never`` or ``auto``.

    ``--color`` alone means ``always``; without the option it is ``auto``,
    or ``never`` if ``NO_COLOR`` is set and not empty.  The value is a
    :class:`ColorAction.ColorWhen` string with an ``enabled`` property.
    """

    class ColorWhen(str):
        """``"always"``, ``"never"`` or ``"auto"``; ``enabled`` resolves auto by stdout."""

        @property
        def enabled(self):
            if self in ("always", "never"):
                return self == "always"
            return sys.stdout.isatty()

    def __init__(
        self,
        option_strings,
        dest,
        nargs="?",
        default="auto",
        metavar="WHEN",
        help="Use color; WHEN can be 'never', 'always' or 'auto' (default)",
        **kwargs,
    ):
        if default == "auto" and os.environ.get("NO_COLOR"):
            default = "never"
        super().__init__(
            option_strings,
            dest,
            nargs=nargs,
            default=self.ColorWhen(default),
            metavar=metavar,
            help=help,
            **kwargs,
        )

    def __call__(self, parser, namespace, values, option_string=None):
        values = "always" if values is None else values
        if values not in ("auto", "always", "never"):
            parser.error(f"Invalid argument to --color: '{values}'")
        setattr(namespace, self.dest, self.ColorWhen(values))


class Fileref(dict):
    """An RFC 37 file archive entry, as a dict ready for JSON.

    - ``data`` a dict: stored as is (the job shell writes it out as JSON).
    - ``encoding`` given ("utf-8" or "base64"): ``data`` is the content,
      already encoded, and is stored verbatim.
    - otherwise ``data`` is a path: the file is read, stored as utf-8 text
      if it decodes, else base64, with the file's size and mode.

    Args:
        data (dict, str): content or local path, as above.
        perms (int): permission bits (default 0o600) for content entries.
        encoding (str): encoding of ``data`` when it is content.
    """

    def __init__(self, data, perms=0o0600, encoding=None):
        entry = {"mode": perms | stat.S_IFREG}
        if isinstance(data, dict):
            entry["data"] = data
        elif encoding is not None:
            if encoding not in ("base64", "utf-8"):
                # flux 0.88 forgot the f-string prefix; keep its exact text
                raise ValueError("invalid encoding: {encoding}")
            entry["data"] = data
            entry["encoding"] = encoding
        else:
            entry.update(_load_file(data))
        super().__init__(**entry)


def _load_file(path):
    """Return the size, mode, data and encoding entries for file ``path``."""
    info = os.stat(path)
    with open(path, "rb") as infile:
        content = infile.read()
    try:
        data, encoding = content.decode("utf-8"), "utf-8"
    except UnicodeError:
        data, encoding = base64.b64encode(content).decode("utf-8"), "base64"
    return {"size": info.st_size, "mode": info.st_mode, "data": data, "encoding": encoding}
