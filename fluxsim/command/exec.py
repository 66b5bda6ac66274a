"""``flux exec [OPTIONS] COMMAND...``: one process a broker rank, as flux-core 0.88's.

Every rank of a fluxsim instance is this machine, so each rank's process
runs here: in the caller's directory (or ``--dir``), with the caller's
environment, ``FLUX_URI`` naming that rank's broker socket (as each real
broker's subprocess server sets it) and ``DBUS_SESSION_BUS_ADDRESS`` as
flux exec sets it.  Standard input goes to every process (none with
``--noinput``); output is passed on line by line, ``RANK: ``-labeled with
``--label-io``.  The exit status is the highest of the ranks' (128 + N for
signal N; 126 and 127 for a command that cannot be run), and non-zero ones
are summed up on stderr by status (``[0,2]: Exit 3``) unless ``--quiet``.
``--jobid`` targets the job's ranks, ``--rank``/``--exclude`` then count
within them.  Options are parsed as flux's optparse does (no abbreviations,
its messages).  ``--bg``, ``--waitable``, ``--attach``, ``--label``,
``--with-imp``, ``--setopt``, ``--stdin-flow``, ``--service`` and ``--sign``
are refused: fluxsim has no background subprocess server.
"""

import errno
import os
import select
import signal
import subprocess
import sys
import threading
import time

from fluxsim.command.common import fail, handle
from fluxsim.command.optparse import OptparseError, parse
from fluxsim.resource import idset

__all__ = ["main"]

_USAGE = """\
Usage: flux-exec [OPTIONS]...
  -h, --help             Display this message.
  -r, --rank=IDSET       Specify target ranks.  Default is "all"
  -x, --exclude=IDSET    Exclude ranks from target.
      --bg               Run process in background and exit
      --waitable         Process remains a zombie until exit status is collected
      --attach           Attach to a running background process (arg is pid or
                         label)
      --label=LABEL      Set a remote process label.
  -d, --dir=PATH         Set the working directory to PATH
  -l, --label-io         Label lines of output with the source RANK
  -n, --noinput          Redirect stdin from /dev/null
  -v, --verbose          Run with more verbosity.
  -q, --quiet            Suppress extraneous output.
      --with-imp         Run args under 'flux-imp run'
  -j, --jobid=JOBID      Set target ranks to nodes assigned to JOBID and
                         service name to job shell exec service
"""

#: long name -> (short letter or None, takes an argument)
_OPTIONS = {
    "help": ("h", False), "rank": ("r", True), "exclude": ("x", True), "bg": (None, False),
    "waitable": (None, False), "attach": (None, False), "label": (None, True),
    "dir": ("d", True), "label-io": ("l", False), "noinput": ("n", False),
    "verbose": ("v", False), "quiet": ("q", False), "service": (None, True),
    "setopt": (None, True), "stdin-flow": (None, True), "with-imp": (None, False),
    "jobid": ("j", True), "sign": (None, False),
}
_NOT_SIMULATED = ("bg", "waitable", "attach", "label", "with-imp", "setopt", "stdin-flow",
                  "service", "sign")


class _Exit(Exception):
    """``flux-exec: MESSAGE``, status 1."""


def _job_ranks(h, text):
    """The broker ranks of a running job (``--jobid``)."""
    from flux.job import JobID, job_list_id

    try:
        jobid = JobID(text)
    except ValueError:
        raise _Exit(f'error parsing jobid: "{text}"') from None
    try:
        info = job_list_id(h, jobid, attrs=["state", "ranks"]).get_jobinfo()
    except FileNotFoundError:
        raise _Exit(f"job {text} not found") from None
    except OSError as exc:
        raise _Exit(f"unable to get info for job {text}: {exc.strerror}") from None
    if info.state_single != "R":
        raise _Exit(f"job {jobid.f58} is not currently running")
    return idset.expand(info.ranks)


def _targets(h, options, size):
    """The ranks to run on: all (or the job's), less ``--rank``'s and
    ``--exclude``'s, which count within the job's ranks with ``--jobid``."""
    relative = "jobid" in options
    ranks = _job_ranks(h, options["jobid"]) if relative else list(range(size))
    include = options.get("rank", "all")
    chosen = None
    if include != "all":
        try:
            chosen = set(idset.expand(include))
        except ValueError:
            raise _Exit(f"failed to decode idset '{include}': {os.strerror(errno.EINVAL)}") from None
        if chosen and max(chosen) >= len(ranks):
            raise _Exit(f"One or more invalid --ranks specified: {include}")
    excluded = set()
    if "exclude" in options:
        try:
            excluded = set(idset.expand(options["exclude"]))
        except ValueError:
            raise _Exit(f"error decoding --exclude idset: {os.strerror(errno.EINVAL)}") from None
    return [rank for n, rank in enumerate(ranks)
            if (n if relative else rank) not in excluded and (chosen is None or n in chosen)]


class _Output:
    """Lines of the ranks' streams onto ours, whole and in turn."""

    def __init__(self, label):
        self.label = label
        self.lock = threading.Lock()

    def copy(self, rank, pipe, stream):
        prefix = f"{rank}: ".encode() if self.label else b""
        for line in iter(pipe.readline, b""):
            with self.lock:
                stream.buffer.write(prefix + line)
                stream.buffer.flush()
        pipe.close()


def _feed(fd, procs, done):
    """Copy our stdin to every process's until it ends or ``done`` is set
    (all processes ended), then close theirs."""
    while not done.is_set():
        if not select.select([fd], [], [], 0.1)[0]:
            continue
        data = os.read(fd, 65536)
        if not data:
            break
        for proc in procs:
            try:
                proc.stdin.write(data)
                proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass
    for proc in procs:
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass


def _rank_uri(uri, rank):
    """The ``local://DIR/local-RANK`` uri of ``rank`` beside ``uri``'s."""
    base, _, _ = uri.rpartition("/")
    return f"{base}/local-{rank}"


def _launch(command, rank, cwd, env, stdin):
    """Start ``command`` as rank ``rank``'s process: (process, None), or (None,
    exit code) after flux exec's message for a command that cannot run."""
    if cwd is not None and not os.path.isdir(cwd):
        # the subprocess server's words, on the process's stderr
        print(f"Could not change dir to {cwd}: {os.strerror(errno.ENOENT)}. "
              "Going to /tmp instead", file=sys.stderr)
        cwd = "/tmp"
    try:
        return subprocess.Popen(command, cwd=cwd, env=env, stdin=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE), None
    except OSError as exc:
        print(f"flux-exec: Error: rank {rank}: {command[0]}: error launching process: "
              f"{exc.strerror}", file=sys.stderr)
        return None, {errno.EPERM: 126, errno.EACCES: 126, errno.ENOENT: 127}.get(exc.errno, 1)


def _exits(procs):
    """(highest exit code, {status text: ranks}) once every process ended;
    a signal N counts 128 + N, as the shell does."""
    status, exits = 0, {}
    for rank, proc in procs.items():
        code = proc.wait()
        if code < 0:
            exits.setdefault(signal.strsignal(-code), []).append(rank)
            code = 128 - code
        elif code > 0:
            exits.setdefault(f"Exit {code}", []).append(rank)
        status = max(status, code)
    return status, exits


def _run(options, command):
    h = handle()
    targets = _targets(h, options, int(h.attr_get("size")))
    if not targets:
        raise _Exit("No targets specified")
    local = h.attr_get("local-uri")
    t0 = time.monotonic()

    def verbose(text):
        if "verbose" in options:
            print(f"{(time.monotonic() - t0) * 1e3:f}ms: {text}", file=sys.stderr)

    verbose(f"Starting {command[0]} on {idset.encode(targets)}")
    cwd = options.get("dir") or os.getcwd()
    env = dict(os.environ)
    env.pop("FLUX_PROXY_REMOTE", None)
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path=/run/user/{h.attr_get('security.owner')}/bus"
    # a closed stdin is as --noinput
    stdin = subprocess.DEVNULL if "noinput" in options or sys.stdin is None else subprocess.PIPE
    out = _Output("label-io" in options)
    procs, threads, failed = {}, [], 0
    done = threading.Event()
    try:
        for rank in targets:
            proc, code = _launch(command, rank, None if cwd == "none" else cwd,
                                 {**env, "FLUX_URI": _rank_uri(local, rank)}, stdin)
            if proc is None:
                failed = max(failed, code)
                continue
            procs[rank] = proc
            for pipe, stream in ((proc.stdout, sys.stdout), (proc.stderr, sys.stderr)):
                threads.append(threading.Thread(target=out.copy, args=(rank, pipe, stream)))
        verbose("Sent all requests")
        if stdin is subprocess.PIPE and procs:
            threads.append(threading.Thread(
                target=_feed, args=(sys.stdin.fileno(), list(procs.values()), done)))
        for thread in threads:
            thread.start()
        status, exits = _exits(procs)
    finally:
        done.set()
        for thread in threads:
            if thread.is_alive():
                thread.join()
    status = max(status, failed)
    verbose(f"{len(procs)} tasks complete with code {status}")
    if "quiet" not in options:
        for text, ranks in exits.items():
            print(f"{idset.encode(ranks, brackets=True)}: {text}", file=sys.stderr)
    return status


def main(prog, argv):
    """Run ``flux exec ...``."""
    try:
        options, command = parse("flux-exec", _OPTIONS, argv)
        if "help" in options or not command:
            sys.stdout.write(_USAGE)
            return 0 if "help" in options else 1
        for name in _NOT_SIMULATED:
            if name in options:
                raise _Exit(f"--{name} is not simulated by fluxsim (no background "
                            "subprocess server); run the command in the foreground")
        return _run(options, command)
    except (_Exit, OptparseError) as exc:
        return fail(prog, str(exc))
