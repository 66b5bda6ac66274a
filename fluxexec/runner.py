"""The worker side: run one Parsl app as the tasks of one Flux job.

Every task of the job runs this module's :func:`run` on TASKFILE RESULTFILE
(see :func:`command`).  It reads
the app (function, args, kwargs) that the executor wrote to TASKFILE with
Parsl's serializer, calls it, and rank 0 (``FLUX_TASK_RANK``) writes the
return value or the exception to RESULTFILE, atomically.  The other ranks
print their exceptions to stderr and exit 0: rank 0 speaks for the app.

This module is loaded by file path, once per task, so what it imports is
paid once per task: it uses only modules the interpreter has
already loaded at start-up, plus the C ``_pickle``.  ``dill`` is imported
only when a payload refers to it (a closure, say), ``traceback`` only when
there is an exception to report, and Parsl never -- unless the app's own
payload needs it.

The interpreter is even started with ``python -S``: ``site`` (site-packages, ``.pth``
files, ``sitecustomize``) can cost more than everything else a no-op task
does.  :class:`LazySite` runs ``site.main()`` on the first import that
nothing else can satisfy, so an app that needs a site-packages module gets
it, exactly as without ``-S``.

The task file is one header line, ``fluxexec-1 MODE``, then Parsl's packed
buffers (``pack_apply_message``; in bash mode a fourth, the keyword
arguments of :func:`run_bash`).  MODE is:

``python``
    call the function and keep its return value;
``bash``
    call a bash app's function to get its command line, point stdout and
    stderr where the app's ``stdout``/``stderr`` arguments say, and replace
    this process with ``/bin/bash -c COMMAND``: the command *is* the Flux
    task, and its exit status is the job's.

The result file is Parsl's packed buffers too: a plain-pickled summary dict
(``status``: ``result`` | ``exception`` | ``bash_error``; for exceptions the
type name, message and formatted traceback) then, Parsl-serialized, the
return value or exception.  The submit side reads the summary first, so an
exception that does not unpickle there is still reported.
"""

import os
import sys

import _pickle

MAGIC = b"fluxexec-1"

# Parsl's serializer identifiers (parsl.serialize.concretes) of dill payloads.
_DILL_HEADERS = (b"02", b"C2")


class LazySite:
    """Last finder on ``sys.meta_path``: sets up ``site`` when an import needs it.

    On the first import no other finder resolves, it removes itself, runs
    ``site.main()`` (which ``python -S`` skipped) and asks the finders again.
    """

    @classmethod
    def install(cls):
        if sys.flags.no_site and cls not in sys.meta_path:
            sys.meta_path.append(cls)

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if cls not in sys.meta_path:
            return None
        sys.meta_path.remove(cls)
        import site

        site.main()
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is not None:
                spec = find_spec(name, path, target)
                if spec is not None:
                    return spec
        return None


class _Unpickler(_pickle.Unpickler):
    """``pickle.Unpickler`` that also reads what ``dill.dumps`` writes.

    Mirrors ``dill.Unpickler.find_class``; ``dill._dill`` itself is imported
    by the stock machinery only if the payload names it.
    """

    def find_class(self, module, name):
        if module == "__builtin__":
            if name == "__main__":
                return sys.modules["__main__"].__dict__
            if name == "NoneType":
                return type(None)
        if module == "dill.dill":
            module = "dill._dill"
        return super().find_class(module, name)


def unpack_buffers(packed):
    """Split Parsl's ``pack_buffers`` framing: ``LENGTH\\nBYTES`` repeated."""
    buffers = []
    view = memoryview(packed)
    pos = 0
    while pos < len(packed):
        nl = packed.index(b"\n", pos)
        length = int(packed[pos:nl])
        buffers.append(bytes(view[nl + 1 : nl + 1 + length]))
        pos = nl + 1 + length
    return buffers


def pack_buffers(buffers):
    """Parsl's ``pack_buffers`` framing."""
    return b"".join(b"%d\n%s" % (len(b), b) for b in buffers)


def loads(buffer):
    """Deserialize one buffer written by ``parsl.serialize.serialize``."""
    header, _, body = buffer.partition(b"\n")
    if header in _DILL_HEADERS or header == b"01":
        import io

        return _Unpickler(io.BytesIO(body)).load()
    # A serializer plugin: the header names its module and class, as Parsl's
    # deserialize() loads it.
    import importlib

    module_name, class_name = header.decode().split(" ", 1)
    return getattr(importlib.import_module(module_name), class_name)().deserialize(body)


def dumps(obj):
    """Serialize for ``parsl.serialize.deserialize``: dill's header, pickle if it can."""
    try:
        return b"02\n" + _pickle.dumps(obj, protocol=4)
    except Exception:
        import dill

        return b"02\n" + dill.dumps(obj)


def _format_exception(exc):
    import traceback

    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _type_name(obj):
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _write(path, summary, payload):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(pack_buffers([_pickle.dumps(summary, protocol=4), payload]))
    os.replace(tmp, path)


def write_result(path, value):
    """Write an app's return value."""
    try:
        payload = dumps(value)
    except Exception as exc:
        write_exception(path, TypeError(f"the app's return value could not be serialized: {exc!r}"))
        return
    _write(path, {"status": "result"}, payload)


def write_exception(path, exc, status="exception", **extra):
    """Write an app's exception, with its traceback."""
    tb = _format_exception(exc)
    summary = {"status": status, "type": _type_name(exc), "message": str(exc), "traceback": tb, **extra}
    exc.__traceback__ = None  # tracebacks do not pickle; the text travels in the summary
    try:
        payload = dumps(exc)
    except Exception:
        payload = b""
    _write(path, summary, payload)


def _open_std(spec, rank):
    """Open a bash app's stdout/stderr: ``(path, mode)`` as the executor checked it."""
    if spec is None:
        return None
    fname, mode = spec
    if rank != 0 and "w" in mode:
        mode = mode.replace("w", "a")  # only rank 0 truncates: all ranks share the file
    if os.path.dirname(fname):
        os.makedirs(os.path.dirname(fname), exist_ok=True)
    return open(fname, mode)


def run_bash(func, args, kwargs, outfile, rank, stdout=None, stderr=None, walltime=None):
    """Turn this process into the bash app's command (only returns on failure).

    ``stdout``/``stderr`` are ``(path, mode)`` or None; ``walltime`` (seconds)
    arms a ``SIGALRM`` timer that survives the exec, so the command -- not
    the runner's start-up -- gets the app's walltime, as in Parsl.
    """
    name = getattr(func, "__name__", "bash_app")
    command = None
    try:
        command = func(*args, **kwargs)
        if not isinstance(command, str):
            raise ValueError(f"Expected a str for bash_app commandline, got {type(command)}")
    except AttributeError as exc:
        if rank == 0:
            if command is not None:
                kind, msg = "AppBadFormatting", f"App formatting failed for app '{name}' with AttributeError: {exc}"
            else:
                kind = "BashAppNoReturn"
                msg = f"Bash app '{name}' did not return a value, or returned None - with this exception: {exc}"
            write_exception(outfile, exc, status="bash_error", kind=kind, text=msg)
        return
    except IndexError as exc:
        if rank == 0:
            msg = f"App formatting failed for app '{name}' with IndexError: {exc}"
            write_exception(outfile, exc, status="bash_error", kind="AppBadFormatting", text=msg)
        return
    except Exception as exc:
        if rank == 0:
            write_exception(outfile, exc)
        return
    try:
        out = _open_std(stdout, rank)
        err = _open_std(stderr, rank)
    except Exception as exc:
        if rank == 0:
            write_exception(outfile, exc, status="bash_error", kind="BadStdStreamFile", text=str(exc))
        return
    if err is not None:
        print(f"--> executable follows <--\n{command}\n--> end executable <--", file=err, flush=True)
    sys.stdout.flush()
    sys.stderr.flush()
    if out is not None:
        os.dup2(out.fileno(), 1)
    if err is not None:
        os.dup2(err.fileno(), 2)
    if walltime:
        import signal

        signal.setitimer(signal.ITIMER_REAL, walltime)
    os.execv("/bin/bash", ["/bin/bash", "-c", command])


# Loads this file from its cached bytecode (a script given by path is
# compiled anew each time), in a namespace of its own: the task's __main__ is
# the bare ``-c`` module, so functions pickled with __main__ globals find
# nothing of the runner's there.
_BOOTSTRAP = (
    "import sys,importlib.machinery as m;p=sys.argv.pop(1);g={'__name__':'fluxexec_runner','__file__':p};"
    "exec(m.SourceFileLoader('fluxexec_runner',p).get_code('fluxexec_runner'),g);sys.exit(g['run']())"
)


def command(python, taskfile, resultfile, path=None):
    """The argv that runs a task file on a Flux task: ``python -S -c BOOTSTRAP ...``."""
    return [python, "-S", "-c", _BOOTSTRAP, path or os.path.abspath(__file__), taskfile, resultfile]


def run():
    """Entry point on a Flux task: ``sys.argv`` is ``[-c, TASKFILE, RESULTFILE]``."""
    LazySite.install()
    return main(sys.argv)


def main(argv=None):
    """Run the app in ``argv[1]`` on this task; rank 0 writes ``argv[2]``."""
    argv = sys.argv if argv is None else argv
    infile, outfile = argv[1], argv[2]
    rank = int(os.environ.get("FLUX_TASK_RANK", "0"))
    with open(infile, "rb") as f:
        data = f.read()
    header, _, packed = data.partition(b"\n")
    magic, _, mode = header.partition(b" ")
    if magic != MAGIC or mode not in (b"python", b"bash"):
        print(f"fluxexec runner: {infile} is not a fluxexec task file", file=sys.stderr)
        return 2
    try:
        func, args, kwargs, *extra = [loads(b) for b in unpack_buffers(packed)]
    except Exception as exc:
        if rank == 0:
            write_exception(outfile, exc)
        else:
            print(_format_exception(exc), file=sys.stderr)
        return 0
    if mode == b"bash":
        run_bash(func, args, kwargs, outfile, rank, **(extra[0] if extra else {}))
        return 0
    try:
        value = func(*args, **kwargs)
    except Exception as exc:
        if rank == 0:
            write_exception(outfile, exc)
        else:
            print(f"fluxexec runner: rank {rank}:\n{_format_exception(exc)}", file=sys.stderr)
    else:
        if rank == 0:
            write_result(outfile, value)
    return 0


if __name__ == "__main__":
    # Run by path, this file's directory heads sys.path; drop it so that the
    # package's modules (errors, resources ...) cannot shadow the app's imports.
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    sys.exit(run())
