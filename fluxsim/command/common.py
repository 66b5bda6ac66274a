"""What every subcommand shares: its handle, its error reporting, job id arguments."""

import argparse
import os
import re
import sys

__all__ = ["handle", "fail", "jobid", "signum", "ArgumentParser", "SetUpdate", "format_string"]


class ArgumentParser(argparse.ArgumentParser):
    """argparse with Flux's exit code for a usage error (2) and ``flux CMD`` as prog."""


class SetUpdate(argparse.Action):
    """``-q A,B -q C``: a set of names, as ``flux.util.FilterActionSetUpdate``."""

    def __call__(self, parser, namespace, values, option_string=None):
        getattr(namespace, self.dest).update(values.split(","))


def handle():
    """A handle on the enclosing instance (``FLUX_URI``)."""
    import flux

    return flux.Flux()


def fail(prog, message, status=1):
    """Print ``flux-PROG: message`` to stderr; returns ``status``."""
    print(f"flux-{prog}: {message}", file=sys.stderr)
    return status


def jobid(text):
    """A job id in any of Flux's encodings (an argparse type)."""
    from flux.job import JobID

    try:
        return JobID(text)
    except (ValueError, TypeError, OSError):
        raise argparse.ArgumentTypeError(f"invalid JobID value: {text!r}") from None


def signum(text):
    """The signal number ``text`` names (``15``, ``TERM``, ``SIGTERM``), as
    libutil's sigutil_signum reads it; None for no signal."""
    import signal

    try:
        return int(text)
    except ValueError:
        name = text.upper()
        number = getattr(signal, name if name.startswith("SIG") else f"SIG{name}", None)
        return int(number) if isinstance(number, signal.Signals) else None


def format_string(tool, subcommand, formats, name):
    """The format ``-o NAME`` means, as ``flux.util.UtilConfig.get_format_string``:
    a string with ``{`` is itself, ``help`` lists ``formats`` (``{name:
    (description, format)}``) and exits, ``get-config=NAME`` prints one as
    TOML and exits, ``default`` may be overridden by
    ``$FLUX_<TOOL>_<SUBCOMMAND>_FORMAT_DEFAULT``.  Formats from the user's
    config files are not read.  Raises ValueError for an unknown name."""
    if "{" in name:
        return name
    if name == "help":
        print(f"\nConfigured flux-{tool} output formats:\n")
        for key, (description, _) in formats.items():
            print(f"  {key:<12} {description}")
        sys.exit(0)
    if name.startswith("get-config="):
        key = name.split("=", 1)[1]
        if key not in formats:
            raise ValueError(f"--format: No such format {key}")
        description, fmt = formats[key]
        print(f"[{subcommand}.formats.{key}]")
        print(f'description = "{description}"')
        print(f'format = "{fmt}"')
        sys.exit(0)
    if name == "default":
        override = os.environ.get(f"FLUX_{tool.upper()}_{subcommand.upper()}_FORMAT_DEFAULT")
        if override and "{" in override:
            return override
        name = override or name
    if name not in formats:
        guess = re.sub(r"\w+", r"{\g<0>}", name)
        raise ValueError(f"--format: No such format {name} (Did you mean '{guess}'?)")
    return formats[name][1]
