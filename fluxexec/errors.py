"""The ways a task on fluxexec can fail, one exception class each.

An app that raises gets its own exception back, with the traceback of the
Flux task attached as its ``__cause__`` (a :class:`RemoteTraceback`), the way
``concurrent.futures.ProcessPoolExecutor`` does it::

    try:
        future.result()
    except ValueError as e:
        print(e.__cause__)          # the traceback as printed on rank 0

Every other failure is about the Flux job, not the app, and is a
:class:`FluxJobError` carrying the job id:

* :class:`FluxJobException` -- Flux raised a fatal job exception (cancel,
  timeout, an unsatisfiable request ...), with Flux's type and note;
* :class:`TaskExitError` -- a task exited non-zero or was killed by a
  signal, with the tail of the job's stderr;
* :class:`NoResultError` -- the job exited 0 but left no result;
* :class:`SubmitError` -- Flux refused the jobspec.

Failures of the executor itself are Parsl ``ExecutorError`` subclasses:
:class:`InstanceLost` (the Flux instance or the provider job that holds it
died) and :class:`ExecutorShutdown` (the executor shut down before the task
finished).

All classes pickle, so they survive Parsl's checkpointing and monitoring.
"""

from parsl.errors import ParslError
from parsl.executors.errors import ExecutorError

__all__ = [
    "RemoteTraceback",
    "RemoteAppError",
    "FluxJobError",
    "FluxJobException",
    "TaskExitError",
    "NoResultError",
    "SubmitError",
    "InstanceLost",
    "ExecutorShutdown",
]


class RemoteTraceback(Exception):
    """The traceback of an app exception as formatted on the Flux task.

    Attached as ``__cause__`` to the app's exception, so that a traceback
    printed on the submit side shows where the app failed on the worker.
    """

    def __init__(self, tb):
        super().__init__(tb)
        self.tb = tb

    def __str__(self):
        return f'\n"""\n{self.tb}"""'


class RemoteAppError(ParslError):
    """The app raised an exception that could not be brought back as itself.

    Happens when the exception does not pickle, or does not unpickle on the
    submit side (its class is not importable there).  Keeps the exception's
    type name, message and remote traceback.
    """

    def __init__(self, type_name, message, tb):
        super().__init__(type_name, message, tb)
        self.type_name = type_name
        self.message = message
        self.tb = tb

    def __str__(self):
        return f"{self.type_name}: {self.message}\nRemote traceback:\n{self.tb}"


class FluxJobError(ParslError):
    """Base class of the failures of the Flux job that ran a task.

    ``jobid`` is the Flux job id (an int), or None when the job was never
    given one.
    """

    def __init__(self, jobid, message):
        super().__init__(jobid, message)
        self.jobid = jobid
        self.message = message

    def __reduce__(self):
        return (type(self), self.args)

    def _job(self):
        return "Flux job" if self.jobid is None else f"Flux job {self.jobid}"

    def __str__(self):
        return f"{self._job()}: {self.message}"


class FluxJobException(FluxJobError):
    """Flux raised a fatal exception on the job.

    ``type`` is Flux's exception type (``cancel``, ``timeout``, ``alloc`` for
    an unsatisfiable request, ``exec`` ...), ``note`` Flux's explanation and
    ``severity`` its severity (always 0: only fatal exceptions end a task).
    """

    def __init__(self, jobid, type, note, severity=0):
        super().__init__(jobid, f"job exception type={type}: {note}")
        self.args = (jobid, type, note, severity)
        self.type = type
        self.note = note
        self.severity = severity


class TaskExitError(FluxJobError):
    """A task of the job exited with a non-zero status or was killed.

    ``returncode`` is the job's exit status as Flux reports it: the highest
    of its tasks', where the job shell reports a task killed by signal N as
    128+N (``-N`` if the shell itself was killed).  ``signal`` is that N, or
    None; ``stderr_tail`` holds the last lines the job wrote to stderr.
    """

    def __init__(self, jobid, returncode, stderr_tail=""):
        self.signal = -returncode if returncode < 0 else (returncode - 128 if 128 < returncode < 128 + 65 else None)
        what = f"a task exited with status {returncode}"
        if self.signal is not None:
            what += f" (killed by signal {self.signal}{_signal_name(self.signal)})"
        message = what
        if stderr_tail:
            message += "; end of stderr:\n" + stderr_tail
        super().__init__(jobid, message)
        self.args = (jobid, returncode, stderr_tail)
        self.returncode = returncode
        self.stderr_tail = stderr_tail


def _signal_name(signum):
    import signal

    try:
        return f", {signal.Signals(signum).name}"
    except ValueError:
        return ""


class NoResultError(FluxJobError):
    """The job exited with status 0 but rank 0 wrote no result.

    Something in the job's tasks ended the runner early (``os._exit(0)`` in
    the app, a wrapper script that swallowed the runner's exit status ...).
    """

    def __init__(self, jobid, path, stderr_tail=""):
        message = f"exited with status 0 but left no result at {path}"
        if stderr_tail:
            message += "; end of stderr:\n" + stderr_tail
        super().__init__(jobid, message)
        self.args = (jobid, path, stderr_tail)
        self.path = path
        self.stderr_tail = stderr_tail


class SubmitError(FluxJobError):
    """Flux refused to accept the job (for example: an unknown queue)."""

    def __init__(self, message):
        super().__init__(None, message)
        self.args = (message,)

    def __str__(self):
        return f"Flux refused the job: {self.message}"


class InstanceLost(ExecutorError):
    """The Flux instance, or the provider job that held it, is gone.

    Every task that had not finished fails with this exception, and so does
    every later submission.
    """

    def __init__(self, executor_label, reason):
        self.executor_label = executor_label
        self.reason = reason
        self.args = (executor_label, reason)

    def __reduce__(self):
        return (type(self), self.args)

    def __str__(self):
        return f"Executor {self.executor_label}: Flux instance lost: {self.reason}"


class ExecutorShutdown(ExecutorError):
    """The executor shut down before the task finished; its Flux job was cancelled."""

    def __init__(self, executor_label):
        self.executor_label = executor_label
        self.reason = "shut down before the task finished"
        self.args = (executor_label,)

    def __reduce__(self):
        return (type(self), self.args)

    def __str__(self):
        return f"Executor {self.executor_label} shut down before the task finished"
