"""``flux config get [-t TYPE] [-q] [-d VALUE] [-c PATH] [NAME]``, as flux-core 0.88 prints it.

The live configuration (``config.get``), or the TOML files a path holds,
printed whole or one dotted key: a string as it is, any other value as
compact JSON in the order flux's TOML reader builds a table (its plain
values, then its arrays, then its tables, each in file order) and jansson's
reals (17 significant digits).  ``--type`` checks the value, and the
``fsd`` types read a duration string.  The other subcommands (load, reload,
set, unset, builtin) are refused: fluxsim's configuration is what its
instance started with.
"""

import json
import sys

from fluxsim.command.common import ArgumentParser, fail, handle

__all__ = ["main", "tomltk_order"]

_TYPES = ("any", "string", "integer", "real", "boolean", "object", "array", "fsd",
          "fsd-integer", "fsd-real")


def tomltk_order(value):
    """``value`` with each table's keys as flux's TOML reader orders them."""
    if isinstance(value, dict):
        def group(item):
            v = item[1]
            return 2 if isinstance(v, dict) else 1 if isinstance(v, list) else 0
        return {k: tomltk_order(v) for k, v in sorted(value.items(), key=group)}
    if isinstance(value, list):
        return [tomltk_order(v) for v in value]
    return value


def _jansson(value):
    """Compact JSON as jansson writes it (reals with 17 significant digits)."""
    if isinstance(value, float):
        text = "%.17g" % value
        return text if any(c in text for c in ".eni") else text + ".0"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_jansson(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(map(_jansson, value)) + "]"
    return json.dumps(value, ensure_ascii=False)


def _typed(value, kind):
    """``value`` as ``--type`` reads it, or ValueError if it is not of that type."""
    from fluxsim.fsd import fsd_parse_duration

    checks = {"any": lambda v: True, "string": lambda v: isinstance(v, str),
              "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "real": lambda v: isinstance(v, float), "boolean": lambda v: isinstance(v, bool),
              "object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list)}
    if kind in checks:
        if not checks[kind](value):
            raise ValueError
        return value
    if not isinstance(value, str):
        raise ValueError
    seconds = fsd_parse_duration(value)
    if kind == "fsd-integer":
        if seconds != int(seconds):
            raise ValueError
        return str(int(seconds))
    return value if kind == "fsd" else "%f" % seconds


def _get(argv):
    p = ArgumentParser(prog="flux-config get")
    p.add_argument("-c", "--config-path", metavar="PATH")
    p.add_argument("-t", "--type", default="any")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("-d", "--default", metavar="VAL")
    p.add_argument("name", nargs="?")
    args = p.parse_args(argv)
    if args.type not in _TYPES:
        return fail("config", f"Unknown type: {args.type}")
    if args.config_path is not None:
        from fluxsim import config

        if args.config_path in ("system", "security", "imp"):
            return fail("config", f"{args.config_path}: fluxsim has no {args.config_path} config")
        conf = config.load(args.config_path)
    else:
        conf = handle().rpc("config.get").get()
    value = conf
    for part in args.name.split(".") if args.name else ():
        value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            break
    if value is None:
        if args.default is not None:
            print(args.default)
            return 0
        return 1 if args.quiet else fail("config", f"{args.name} is not set")
    try:
        value = _typed(value, args.type)
    except ValueError:
        return fail("config", f"{args.name} does not have the requested type")
    print(value if isinstance(value, str) else _jansson(tomltk_order(value)))
    return 0


def main(prog, argv):
    """Run ``flux config ARGV``."""
    if argv[:1] == ["get"]:
        return _get(argv[1:])
    print(f"flux-config: {argv[0] if argv else 'a subcommand'}: fluxsim's configuration is "
          "the one its instance started with", file=sys.stderr)
    return 1
