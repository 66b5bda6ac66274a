"""The option rules of ``flux submit`` and friends, as flux-core 0.88's ``flux.job._utils``.

``JobspecV1.apply_options`` and the ``flux run/submit/batch/alloc`` command
lines turn option strings into jobspec content with these: environment rules
(``--env=-PATH``, ``--env=VAR=val``, ``--env=^file``), rlimit rules,
``--signal=SIG@TIME``, dependency and taskmap URIs, ``--requires``
constraint queries, ``--setopt``/``--setattr`` ``key[=value]`` pairs,
``--add-file`` and ``--conf`` (``BatchConfig``)::

    >>> decode_signal("USR1") == signal.SIGUSR1
    True
    >>> URIArg("afterok:f1234?x=1", "dependency").entry
    {'scheme': 'afterok', 'value': 'f1234', 'x': 1}
    >>> BatchConfig().update("resource.noverify=true").config
    {'resource': {'noverify': True}}

Names, rules and error messages are flux's, so that code and scripts see
the same results.
"""

import fnmatch
import json
import os
import pathlib
import re
import resource
import signal
import sys
from collections import ChainMap
from string import Template
from urllib.parse import parse_qs, urlparse

from fluxsim.constraint.parser import ConstraintParser
from fluxsim.util import dict_merge, get_treedict, parse_fsd, set_treedict, xdg_searchpath

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

__all__ = [
    "BatchConfig",
    "MiniConstraintParser",
    "URIArg",
    "decode_duration",
    "decode_signal",
    "dependency_array_create",
    "filter_dict",
    "get_filtered_environment",
    "get_filtered_rlimits",
    "get_rlimits",
    "jobspec_add_file",
    "list_split",
    "normalize_conf",
    "parse_jobspec_keyval",
    "parse_signal_option",
]


def decode_signal(val):
    """A signal number from an int, a number string, ``"SIGUSR1"`` or ``"USR1"``."""
    if isinstance(val, int):
        return val
    try:
        return int(val)
    except ValueError:
        pass
    for name in (val, f"SIG{val}"):
        number = getattr(signal, name, None)
        if number is not None:
            return number
    raise ValueError(f"signal '{val}' is invalid")


def decode_duration(val):
    """Seconds from a number, a number string or a Flux Standard Duration."""
    if isinstance(val, (float, int)):
        return val
    try:
        return float(val)
    except ValueError:
        return parse_fsd(val)


def parse_signal_option(arg):
    """``{"signum", "timeleft"}`` of ``--signal=[SIG][@TIME]`` (default SIGUSR1, 60 s)."""
    signo, timeleft = signal.SIGUSR1, 60
    if arg is not None:
        sig, _, time = arg.partition("@")
        signo = sig or signo
        timeleft = time or timeleft
    try:
        signum = decode_signal(signo)
        if signum <= 0:
            raise ValueError("signal must be > 0")
        timeleft = decode_duration(timeleft)
    except ValueError as exc:
        raise ValueError(f"--signal={arg}: {exc}") from None
    return {"signum": signum, "timeleft": timeleft}


class MiniConstraintParser(ConstraintParser):
    """``--requires`` queries: bare words are properties, ``host:`` and ``rank:`` operators."""

    operator_map = {
        None: "properties",
        "host": "hostlist",
        "hosts": "hostlist",
        "rank": "ranks",
    }
    split_values = {"properties": ","}
    combined_terms = {"properties"}


class URIArg:
    """An option value of the form ``scheme:value[?key=val&...]`` (dependencies, taskmaps).

    ``entry`` is the RFC 26 dependency (or taskmap) object: scheme, value,
    and the query's keys with numbers converted.
    """

    def __init__(self, uri, name):
        if ":" not in uri:
            # a bare word is a scheme without a value
            uri += ":"
        # urlparse will not take "scheme:123" as scheme and path: hide the digits
        self.uri = urlparse(uri.replace(":", ":FXX", 1))
        if not self.uri.scheme or not self.uri.path:
            raise ValueError(f'Invalid {name} URI "{uri}"')
        self.path = self.uri.path.replace("FXX", "", 1)
        self.scheme = self.uri.scheme
        if name == "dependency" and self.scheme == "after":
            print("dependency scheme 'after' is deprecated, use 'afterstart'", file=sys.stderr)

    @staticmethod
    def _try_number(value):
        for kind in (int, float):
            try:
                return kind(value)
            except ValueError:
                pass
        return value

    @property
    def entry(self):
        """The object for the jobspec: ``{"scheme": ..., "value": ..., query keys...}``."""
        entry = {"scheme": self.scheme, "value": self.path}
        for key, values in parse_qs(self.uri.query).items():
            numbers = [self._try_number(v) for v in values]
            entry[key] = numbers if len(numbers) > 1 else numbers[0]
        return entry


def dependency_array_create(uris):
    """The ``system.dependencies`` array of ``--dependency`` URIs."""
    return [URIArg(uri, "dependency").entry for uri in uris]


def filter_dict(env, pattern, reverseMatch=True):
    """``env`` without (or, with ``reverseMatch=False``, only) keys matching ``pattern``.

    ``pattern`` is a shell glob, or a regex between slashes (``/^SLURM_/``).
    """
    if pattern.startswith("/"):
        regex = re.compile(pattern[1:].rstrip("/"))
    else:
        regex = re.compile(fnmatch.translate(pattern))
    return {k: v for k, v in env.items() if bool(regex.match(k)) != reverseMatch}


def get_rlimits(name="*"):
    """The soft limits of the rlimits matching glob ``name``, as ``{"nofile": n, ...}``."""
    pattern = f"RLIMIT_{name}".upper()
    rlimits = {
        limit[len("RLIMIT_") :].lower(): resource.getrlimit(getattr(resource, limit))[0]
        for limit in fnmatch.filter(list(vars(resource)), pattern)
    }
    if not rlimits:
        raise ValueError(f'No corresponding rlimit matching "{name}"')
    return rlimits


def list_split(opts):
    """Every comma-separated item of ``opts`` (a string or a list of them)."""
    if isinstance(opts, str):
        opts = [opts]
    return [item for opt in opts or () for item in opt.split(",")]


#: rlimits flux does not propagate unless asked
_RLIMITS_NOT_PROPAGATED = ("memlock", "ofile", "msgqueue", "nice", "rtprio", "rttime", "sigpending")


def _rlimit_value(name, value):
    if value in ("unlimited", "infinity", "inf"):
        return resource.RLIM_INFINITY
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"Invalid value in {name}={value}") from None


def get_filtered_rlimits(user_rules=None):
    """The rlimits to propagate: all current ones, less flux's exclusions, then ``user_rules``.

    Rules: ``-name`` drops matching limits, ``name`` adds the current
    value(s), ``name=value`` sets one (``unlimited``/``infinity``/``inf``).
    """
    rules = [f"-{name}" for name in _RLIMITS_NOT_PROPAGATED] + list_split(user_rules)
    rlimits = get_rlimits()
    for rule in rules:
        if rule.startswith("-"):
            rlimits = filter_dict(rlimits, rule[1:].lower())
            continue
        name, equals, value = rule.partition("=")
        if not equals:
            rlimits.update(get_rlimits(name.lower()))
            continue
        if not hasattr(resource, f"RLIMIT_{name}".upper()):
            raise ValueError(f'Invalid rlimit "{name}"')
        rlimits[name.lower()] = _rlimit_value(name, value)
    return rlimits


def _read_env_rules(rule):
    filename = os.path.expanduser(rule[1:])
    try:
        with open(filename) as envfile:
            return [line.strip() for line in envfile]
    except OSError as exc:
        raise ValueError(f"--env: {exc}") from None


def get_filtered_environment(rules, environ=None):
    """``(environment, env_expand)`` after applying ``--env`` ``rules`` to ``environ``.

    ``environ`` defaults to this process's environment.  Rules: ``-PATTERN``
    removes variables, ``^FILE`` reads more rules, ``VAR`` imports matching
    variables not yet set, ``VAR=VALUE`` sets one with ``$VAR`` expanded
    from the environment being built (then this process's); a value with
    ``{{...}}`` goes to ``env_expand`` for the job shell to expand.
    """
    env_expand = {}
    if environ is None:
        environ = dict(os.environ)
    for rule in rules or ():
        if rule.startswith("-"):
            environ = filter_dict(environ, rule[1:])
        elif rule.startswith("^"):
            environ, more = get_filtered_environment(_read_env_rules(rule), environ=environ)
            env_expand.update(more)
        else:
            var, equals, value = rule.partition("=")
            if not equals:
                for key, val in filter_dict(os.environ, var, reverseMatch=False).items():
                    environ.setdefault(key, val)
            elif "{{" in value:
                env_expand[var] = value
            else:
                try:
                    environ[var] = Template(value).substitute(ChainMap(environ, os.environ))
                except ValueError:
                    raise ValueError(f"--env: Unable to substitute {rule}") from None
                except KeyError as exc:
                    raise ValueError(f"--env: Variable {exc} not found in {rule}") from None
    return environ, env_expand


class BatchConfig:
    """A broker configuration built from ``--conf`` values, one :meth:`update` at a time.

    The result is the ``config`` attribute (None until the first update).
    """

    loaders = {".toml": tomllib.load, ".json": json.load}

    def __init__(self):
        self.config = None

    def update_string(self, value):
        """Merge a JSON or TOML document."""
        try:
            conf = json.loads(value)
        except json.decoder.JSONDecodeError:
            try:
                conf = tomllib.loads(value)
            except tomllib.TOMLDecodeError:
                raise ValueError("--conf: failed to parse multiline as TOML or JSON") from None
        self.config = dict_merge(self.config, conf)
        return self

    def update_keyval(self, keyval):
        """Set a dotted ``key=value``; the value is JSON if it parses, else a string."""
        key, _, value = keyval.partition("=")
        try:
            value = json.loads(value)
        except json.decoder.JSONDecodeError:
            pass
        try:
            set_treedict(self.config, key, value)
        except TypeError as exc:
            raise TypeError(f"failed to set {key} to {value}: {exc}") from None
        return self

    def update_file(self, path, extension=".toml"):
        """Merge a ``.toml`` or ``.json`` file."""
        if extension not in self.loaders:
            raise ValueError(f"--conf: {path} must end in .toml or .json")
        try:
            with open(path, "rb") as fp:
                conf = self.loaders[extension](fp)
        except OSError as exc:
            raise ValueError(f"--conf: {exc}") from None
        except (json.decoder.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"--conf: parse error: {path}: {exc}") from None
        self.config = dict_merge(self.config, conf)
        return self

    def _find_config(self, name):
        for path in xdg_searchpath(subdir="config"):
            for ext in (".toml", ".json"):
                filename = f"{path}/{name}{ext}"
                if os.path.exists(filename):
                    return filename, self.loaders[ext]
        return None, None

    def update_named_config(self, name):
        """Merge the named config ``NAME.toml`` or ``NAME.json`` from the XDG config path."""
        filename, loader = self._find_config(name)
        if filename is None:
            raise ValueError(f"--conf: named config '{name}' not found")
        try:
            with open(filename, "rb") as fp:
                self.config = dict_merge(self.config, loader(fp))
        except (OSError, tomllib.TOMLDecodeError, json.decoder.JSONDecodeError) as exc:
            raise ValueError(f"--conf={name}: {filename}: {exc}") from None
        return self

    def update(self, value):
        """Merge ``value``: a document if it has a newline, ``key=value`` if it has
        ``=``, a file if it ends in ``.toml`` or ``.json``, else a named config."""
        if self.config is None:
            self.config = {}
        if "\n" in value:
            return self.update_string(value)
        if "=" in value:
            return self.update_keyval(value)
        extension = pathlib.Path(value).suffix
        if extension in self.loaders:
            return self.update_file(value, extension)
        return self.update_named_config(value)

    def get(self, key, default=None):
        """The value at dotted ``key``, or ``default``."""
        return get_treedict(self.config or {}, key, default=default)


def normalize_conf(conf):
    """``conf`` (a dict, BatchConfig, any ``BatchConfig.update`` string, or None) as a dict."""
    if conf is None or isinstance(conf, dict):
        return conf
    if isinstance(conf, BatchConfig):
        return conf.config
    return BatchConfig().update(str(conf)).config


def jobspec_add_file(jobspec, arg):
    """Add ``--add-file`` ``[NAME[:PERMS]=]PATH`` or ``NAME=CONTENT`` to ``jobspec``."""
    perms = None
    # a newline escaped on the command line is a newline
    name, _, data = arg.replace("\\n", "\n").partition("=")
    if not data:
        if "\n" in name:
            raise ValueError("--add-file: file name missing")
        name, data = os.path.basename(name), name
    else:
        base, _, permstr = name.partition(":")
        try:
            perms = int(permstr, base=8)
            name = base
        except ValueError:
            pass  # the ':' is part of the name
    try:
        jobspec.add_file(name, data, perms=perms)
    except (TypeError, ValueError, OSError) as exc:
        raise ValueError(f"--add-file={arg}: {exc}") from None


def parse_jobspec_keyval(label, keyval):
    """``(key, value)`` of ``--setopt``/``--setattr`` ``key[=value]``.

    The value is JSON if it parses (default 1); ``^key=FILE`` reads it from
    a JSON file.
    """
    key, _, val = keyval.partition("=")
    if "=" not in keyval:
        val = 1
    if key.startswith("^"):
        key = key.lstrip("^")
        with open(val) as filep:
            try:
                val = json.load(filep)
            except (json.JSONDecodeError, TypeError) as exc:
                raise ValueError(f"{label}: {val}: {exc}") from exc
    else:
        try:
            val = json.loads(val)
        except (json.JSONDecodeError, TypeError):
            pass
    return key, val
