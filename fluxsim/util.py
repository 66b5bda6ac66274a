"""Small helpers shared by the job API, mirroring ``flux.util``.

Only the pieces that ``fluxsim.job`` needs live here: Flux Standard
Duration (RFC 23) parsing and formatting, dotted-key access to nested
dicts ("treedicts", as jobspec attributes are addressed), and ``Fileref``,
an RFC 37 file archive entry::

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

import base64
import os
import stat
from collections import abc

# flux.util's RFC 23 functions live in fluxsim.fsd, beside Flux's C rule.
from fluxsim.fsd import fsd, parse_fsd

__all__ = [
    "parse_fsd",
    "fsd",
    "get_treedict",
    "set_treedict",
    "del_treedict",
    "Fileref",
]


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
