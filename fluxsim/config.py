"""An instance's configuration, as ``flux start -c`` reads it, and the tables fluxsim uses.

A configuration is the parsed TOML of a Flux config file: ``[resource]``
(see :meth:`fluxsim.resource.rv1.Rv1.from_config`), ``[job-manager]`` and
so on.  :func:`load` accepts a dict, or the path of a TOML file; a bare
``[resource]`` table or its ``config`` array is taken as the resource table,
as ``fluxsim.start(config=...)`` always accepted.  Each reader of a table
checks it as the Flux module that owns it does, with that module's message.

>>> purge_limits(load({"job-manager": {"inactive-age-limit": "1h"}}))
(3600.0, None)
"""

import os
from collections.abc import Mapping

__all__ = ["load", "set_key", "parse_value", "purge_limits", "heartbeat_period",
           "HEARTBEAT_PERIOD"]

#: The heartbeat module's default period (the job manager purges once a beat).
HEARTBEAT_PERIOD = 2.0


def load(config):
    """The whole configuration as a dict (``{}`` for None)."""
    if config is None:
        return {}
    if isinstance(config, (str, os.PathLike)):
        if os.path.isdir(config):
            # a directory: its *.toml files, merged table by table (flux start -c DIR)
            conf = {}
            for name in sorted(os.listdir(config)):
                if name.endswith(".toml"):
                    conf.update(_toml(os.path.join(config, name)))
            return conf
        return _toml(config)
    if isinstance(config, (list, tuple)):
        return {"resource": {"config": list(config)}}
    if not isinstance(config, Mapping):
        raise ValueError(f"config must be a dict or a TOML file path, not {type(config).__name__}")
    if "resource" not in config and ("config" in config or "path" in config):
        return {"resource": dict(config)}
    return dict(config)


def _toml(path):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    with open(path, "rb") as f:
        return tomllib.load(f)


def set_key(conf, key, value):
    """Set dotted ``key`` (``a.b.c``) of ``conf`` to ``value`` (``flux start --conf``)."""
    *tables, last = key.split(".")
    for name in tables:
        table = conf.get(name)
        if not isinstance(table, dict):
            table = conf[name] = {}
        conf = table
    conf[last] = value


def parse_value(text):
    """A ``--conf KEY=VALUE`` value: a TOML value (number, boolean, string, array,
    table), else the text as a string."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def purge_limits(conf):
    """``(inactive-age-limit seconds, inactive-num-limit)`` of ``[job-manager]``; None: unlimited.

    Raises ValueError with job-manager's message for a bad value.
    """
    from fluxsim.resource.rv1 import json_type
    from fluxsim.fsd import fsd_parse_duration

    table = conf.get("job-manager", {})
    if not isinstance(table, Mapping):
        raise ValueError(f"job-manager.max-inactive-*: Expected object, got {json_type(table)}")
    age = table.get("inactive-age-limit")
    num = table.get("inactive-num-limit", -1)
    if age is not None and not isinstance(age, str):
        raise ValueError(f"job-manager.max-inactive-*: Expected string, got {json_type(age)}")
    if not isinstance(num, int) or isinstance(num, bool):
        raise ValueError(f"job-manager.max-inactive-*: Expected integer, got {json_type(num)}")
    if age is not None:
        age = fsd_parse_duration(age)
        if age is None:
            raise ValueError("job-manager.inactive-age-limit: invalid FSD")
    if num != -1 and num < 0:
        raise ValueError("job-manager.inactive-num-limit: must be >= 0")
    return age, (None if num == -1 else num)


def heartbeat_period(conf):
    """``[heartbeat] period`` in seconds (default 2 s), with the heartbeat module's messages."""
    from fluxsim.fsd import fsd_parse_duration
    from fluxsim.resource.rv1 import json_type

    table = conf.get("heartbeat", {})
    if not isinstance(table, Mapping):
        raise ValueError(
            f"error reading [heartbeat] config table: Expected object, got {json_type(table)}")
    period = table.get("period")
    if period is None:
        return HEARTBEAT_PERIOD
    if not isinstance(period, str):
        raise ValueError(
            f"error reading [heartbeat] config table: Expected string, got {json_type(period)}")
    seconds = fsd_parse_duration(period)
    if seconds is None:
        raise ValueError("error parsing heartbeat.period FSD value")
    if seconds <= 0:
        raise ValueError("heartbeat.period must be a positive FSD value")
    return seconds
