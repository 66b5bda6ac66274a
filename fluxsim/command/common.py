"""What every subcommand shares: its handle, its error reporting, job id arguments."""

import argparse
import sys

__all__ = ["handle", "fail", "jobid", "ArgumentParser"]


class ArgumentParser(argparse.ArgumentParser):
    """argparse with Flux's exit code for a usage error (2) and ``flux CMD`` as prog."""


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
