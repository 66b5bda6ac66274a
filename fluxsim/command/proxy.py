"""``flux proxy JOBID|URI [COMMAND...]``: run a command connected to another instance.

As flux-core 0.88's: the target is resolved as ``flux uri`` resolves it
(a job id whose nested instance posted its ``uri``, or a uri), and the
words of the command, joined by spaces, run under ``$SHELL -c`` (an
interactive ``$SHELL`` if there are none) with ``FLUX_URI`` set to the
instance; the command's exit code is flux proxy's (128 + N for signal N).

Flux routes the command's messages through a socket of its own; fluxsim
hands the command the instance's own socket (fluxsim's instances all run
on this machine).  ``FLUX_PROXY_REMOTE`` names the host of an ``ssh://``
target, as in Flux.  The options are accepted and change nothing: there
is no connection of flux proxy's own to lose.
"""

import os
import subprocess
import sys

from fluxsim.command.common import ArgumentParser, fail

__all__ = ["main"]

_USAGE = """\
Usage: flux proxy [OPTIONS] JOBID|URI [COMMAND...]
Route messages to/from Flux instance
  -h, --help             Display this message.
  -f, --force            Skip checks when connecting to Flux broker
  -n, --nohup            Do not send SIGHUP to child processes when connection
                         to Flux is lost
      --reconnect        If broker connection is lost, try to reconnect
"""


def _parser():
    p = ArgumentParser(prog="flux proxy", add_help=False)
    p.add_argument("-h", "--help", action="store_true")
    p.add_argument("-f", "--force", action="store_true")
    p.add_argument("-n", "--nohup", action="store_true")
    p.add_argument("--reconnect", action="store_true")
    p.add_argument("words", nargs="...")
    return p


def main(prog, argv):
    """Run ``flux proxy ARGV``."""
    import flux

    from fluxsim.command.instance import local_uri, resolve_as_flux_uri

    args = _parser().parse_args(argv)
    if args.help:
        sys.stdout.write(_USAGE)
        return 0
    if not args.words:
        sys.stderr.write("flux proxy: URI argument is required\n" + _USAGE)
        return 1
    target, *command = args.words
    uri = resolve_as_flux_uri(target)
    if uri is None:
        return fail("proxy", f"Unable to resolve {target} to a URI")
    try:
        flux.Flux(uri).close()
    except OSError as exc:
        return fail("proxy", f"{uri}: {_open_error(uri, exc)}")
    env = dict(os.environ, FLUX_URI=local_uri(uri))
    if uri.startswith("ssh://"):
        env["FLUX_PROXY_REMOTE"] = uri[len("ssh://"):].split("/", 1)[0]
    shell = os.environ.get("SHELL") or "/bin/sh"
    status = subprocess.call([shell, *(["-c", " ".join(command)] if command else [])], env=env)
    return 128 - status if status < 0 else status


def _open_error(uri, exc):
    """Flux's text for an instance that cannot be opened: its socket is missing."""
    from fluxsim.connector import socket_path

    try:
        path = socket_path(uri)
    except OSError:
        return exc.strerror or str(exc)
    return f"broker socket {path} was not found" if not os.path.exists(path) else exc.strerror
