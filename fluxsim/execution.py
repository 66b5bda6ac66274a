"""The exec system: turn an allocation into running tasks, and report exit.

Two implementations behind one interface, chosen per job as flux-core's
job-exec does:

- mock execution (flux-core's ``testexec``): when the jobspec carries
  ``attributes.system.exec.test``, or on a virtual clock, the job "runs" for
  its ``run_duration`` (default: its duration) and finishes with
  ``wait_status``; ``mock_exception`` raises at ``init`` or ``run``.
- real execution: every task is an OS process laid out as the job shell lays
  it out, with the shell's environment; the job finishes when all exit.

On a fatal exception a running job gets SIGTERM (SIGALRM on timeout), then
SIGKILL after the kill timeout, as job-exec does.
"""

import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess

from fluxsim import shell
from fluxsim.shell.files import stage as stage_files
from fluxsim.job.JobID import JobID
from fluxsim.output import LOG_DEBUG, LOG_FATAL, OutputLog, OutputReader
from fluxsim.resource import idset
from fluxsim.resource.rv1 import deadline
from fluxsim.testexec import TestconfError, exec_plan

__all__ = ["Execution", "KILL_TIMEOUT"]

#: job-exec's default ``kill-timeout``: SIGKILL follows this long after SIGTERM.
KILL_TIMEOUT = 5.0


class _JobExec:
    """Per-job exec state."""

    __slots__ = (
        "job",
        "mock",
        "procs",
        "statuses",
        "timer_token",
        "started",
        "killed",
        "exception_status",
        "wait_status",
        "layout",
        "kill_signal",
        "override",
    )

    def __init__(self, job, mock):
        self.job = job
        self.mock = mock
        self.procs = {}  # pid -> (Popen, taskid)
        self.statuses = []
        self.timer_token = 0
        self.started = False
        self.killed = False
        self.exception_status = None
        self.wait_status = 0
        self.layout = None
        self.kill_signal = signal.SIGTERM
        self.override = False


def _binding(rank, options):
    """Per local task, the CPUs of this machine to bind to (None: leave unbound).

    The shell's cpu-affinity (default ``on``: the node's allocated cores;
    ``per-task``: each task's share), applied where the rank's cores exist
    on this machine; like the real shell, which disables affinity for the
    whole node ("unable to get cpuset for cores ...") when R names a core
    the node does not have.
    """
    opt = str((options or {}).get("cpu-affinity", "on"))
    if opt.startswith("dry-run") or not hasattr(os, "sched_setaffinity"):
        return None
    if not set(rank.core_ids) <= os.sched_getaffinity(0):
        return None
    sets = shell.cpu_affinity(rank, options)
    if not sets:
        return None
    return [set(cores) if cores else None for cores in sets]


@contextlib.contextmanager
def _bound(cpus):
    """Bind this thread to ``cpus`` while it spawns a task, so the task
    inherits the binding from its first instruction (a preexec_fn would
    cost a full fork per task; binding the child afterwards races it)."""
    if not cpus:
        yield
        return
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, saved)


class Execution:
    """Starts, kills and reaps jobs for one instance."""

    def __init__(self, instance):
        self.instance = instance
        #: drains the task pipes of streams that go to guest.output
        self.output = OutputReader(instance)

    # -- start ---------------------------------------------------------------

    def start(self, job):
        """Run ``job`` on its allocation (called right after ``alloc``)."""
        inst = self.instance
        try:
            plan = exec_plan(job.jobspec, virtual=inst.clock == "virtual")
            failure = None
        except TestconfError as exc:
            plan, failure = None, str(exc)
        job.exec = _JobExec(job, mock=plan is not None or failure is not None)
        self._post_exec(job, "init")
        if plan is not None and plan.mock_exception == "init":
            failure = "mock initialization exception generated"
        if failure is not None:
            # exec gives up before starting: released, no finish event
            inst.jobmanager.exec_exception(job, "exec", 0, failure)
            return
        if plan is None:
            self._start_tasks(job)
            return
        self._start_mock(job, plan)

    def _start_mock(self, job, plan):
        ex = job.exec
        ex.wait_status = plan.wait_status
        self._post_exec(job, "starting")
        if plan.override:
            # waits for a start request that never comes: no start event, no
            # time limit; an exception still finishes it with the signal
            ex.override = True
            return
        self._post_exec(job, "recoverable")
        ex.started = True
        # R's expiration counts from the alloc, the run from exec's start a
        # moment later: on a tie the time limit wins, so its timer goes first
        self._start_expiration(job)
        if plan.run_duration > 0:
            self._after(job, plan.run_duration, self._mock_complete)
        self.instance.jobmanager.started(job)
        if plan.mock_exception == "run":
            self.instance.jobmanager.exec_exception(job, "exec", 0, "mock run exception generated")

    def _post_exec(self, job, name, context=None):
        self.instance.jobmanager.post(job, name, context, eventlog="exec.eventlog")

    def _after(self, job, delay, fn, *args):
        """Call ``fn(job, *args)`` after ``delay`` unless the job's timers were reset."""
        token = job.exec.timer_token

        def fire(_event):
            if job.exec is not None and job.exec.timer_token == token:
                fn(job, *args)

        self.instance.call_later(delay, fire)

    def _start_expiration(self, job):
        expiration = deadline(job.R.expiration) if job.R is not None else None
        if expiration is not None:
            delay = max(0.0, expiration - self.instance.timestamp())
            self._after(job, delay, self._expired)

    def _expired(self, job):
        ex = job.exec
        if ex is None or ex.killed or not job.active:
            return
        # job-exec sends SIGALRM, not SIGTERM, when the time limit is reached
        ex.kill_signal = signal.SIGALRM
        self.instance.jobmanager.exec_exception(job, "timeout", 0, "resource allocation expired")

    def _mock_complete(self, job):
        self._complete(job, job.exec.wait_status)

    # -- real tasks -------------------------------------------------------------

    def _start_tasks(self, job):
        inst = self.instance
        manager = inst.jobmanager
        ex = job.exec
        self._post_exec(job, "starting")
        try:
            info = shell.shell_info(job.R.to_dict(), job.jobspec)
            spec = job.jobspec
            command = list(spec["tasks"][0]["command"])
            system = spec.get("attributes", {}).get("system", {})
            cwd = system.get("cwd") or None
            base_env = dict(system.get("environment") or {})
            f58 = JobID(job.id).f58
            # the shell plugins' options (pmi, env-expand, output) fail the
            # shell at init too
            envs = [
                [shell.task_environment(base_env, f58, info, t, rundir=inst.rundir)
                 for t in rank.taskids]
                for rank in info.ranks
            ]
            # the job's tmpdirs exist before the output files open ({{tmpdir}})
            ex.layout = info
            for rank in info.ranks:
                tmpdir = shell.job_tmpdir(inst.rundir, rank.nodeid, f58)
                os.makedirs(tmpdir, mode=0o700, exist_ok=True)
                stage_files(system.get("files"), tmpdir)
            stdout, stderr, redirects, logfiles = self._output_files(job, info)
        except (ValueError, OSError, TypeError, KeyError, IndexError, AttributeError):
            self._shells_failed(job)
            return
        verbose = info.options.get("verbose", 0)
        log = job.output = OutputLog(manager, job, info.total_ntasks,
                                     verbose if isinstance(verbose, int) else 0)
        log.files.update(logfiles)
        log.header()
        for stream, path in redirects.items():
            log.redirect(stream, path)
        self._post_exec(
            job,
            "shell.init",
            {
                "service": f"{inst.owner}-shell-{JobID(job.id).f58plain}",
                "leader-rank": info.ranks[0].rank,
                "size": info.size,
            },
        )
        ex.started = True
        self._start_expiration(job)
        failed = None
        try:
            for rank, rank_envs in zip(info.ranks, envs):
                binding = _binding(rank, info.options)
                tmpdir = shell.job_tmpdir(inst.rundir, rank.nodeid, f58)
                for local_id, taskid in enumerate(rank.taskids):
                    env = rank_envs[local_id]
                    cpus = binding[local_id] if binding else None
                    # the shell renders mustache tags ({{tmpdir}}, ...) in the arguments
                    argv = [shell.mustache.render(arg, info, job.id, nodeid=rank.nodeid,
                                                  taskid=taskid, tmpdir=tmpdir)
                            if "{{" in arg else arg for arg in command]
                    try:
                        with _bound(cpus):
                            proc = subprocess.Popen(
                                argv,
                                cwd=cwd,
                                env=env,
                                stdin=subprocess.DEVNULL,
                                stdout=stdout,
                                stderr=stderr,
                                start_new_session=True,
                                close_fds=True,
                            )
                    except OSError as exc:
                        failed = (rank, taskid, exc)
                        break
                    ex.procs[proc.pid] = (proc, rank, taskid)
                    for pipe, stream in ((proc.stdout, "stdout"), (proc.stderr, "stderr")):
                        if pipe is not None:
                            self.output.add(pipe, log.stream(stream, taskid))
                    inst.watch_process(proc, lambda p, j=job: self._task_exited(j, p))
                if failed:
                    break
        finally:
            for f in (stdout, stderr):
                if hasattr(f, "close"):
                    f.close()
            log.spawned()
        manager.started(job)
        if failed is None:
            self._post_exec(job, "shell.start", {"taskmap": json.loads(info.taskmap.dumps())})
            return
        rank, taskid, exc = failed
        arg0 = command[0] if command else ""
        note = (
            f"task {taskid} (host {rank.hostname}): start failed: "
            f"{arg0}: {os.strerror(exc.errno or errno.ENOENT)}"
        )
        log.log(rank.nodeid, LOG_FATAL, note)
        # the shell exits 127 (not found) or 126 (not executable), as a shell does
        ex.exception_status = (127 if exc.errno == errno.ENOENT else 126) << 8
        manager.raise_exception(job, "exec", 0, note, userid=inst.owner)
        if not ex.procs:
            self._shells_exited(job, ex.exception_status)

    def _shells_failed(self, job):
        """Every job shell exits 1 before its first barrier (it cannot lay out
        the tasks, or cannot read the jobspec).

        flux-core 0.88 posts ``start``, then -- for a job of several shells --
        an ``exec`` exception naming the shells that exited first, then
        ``finish`` with status 256.  Which shells Flux names depends on the
        order their exits reach job-exec; fluxsim names the first rank.
        """
        inst = self.instance
        ex = job.exec
        ranks = sorted(job.R.ranks)
        status = 1 << 8
        ex.started = True
        inst.jobmanager.started(job)
        context = {"rank": ranks[0], "wait_status": status}
        if len(ranks) > 1:
            context["active_ranks"] = idset.encode(ranks[1:])
            host = job.R.ranks[ranks[0]].hostname
            note = f"{host} (ranks {ranks[0]}) terminated before first barrier"
            inst.jobmanager.exec_exception(job, "exec", 0, note)
        self._post_exec(job, "shell-exit", context)
        self._complete(job, status)

    def _output_files(self, job, info):
        """Where the tasks' stdout and stderr go: ``(stdout, stderr, redirects, logfiles)``.

        A stream the jobspec sends to a file is that file, opened once for
        all tasks (stderr follows a named stdout: ``subprocess.STDOUT``);
        ``redirects`` gives its path as the shell's redirect event does.
        Any other stream is a pipe the output plugin reads into guest.output
        and into the instance's per-job file, opened in ``logfiles``.  A
        malformed ``output`` option or a file that cannot be opened raises
        (the shell's output plugin fails the shell); nothing stays open then.
        """
        output = info.options.get("output") or {}
        tmpdir = shell.job_tmpdir(self.instance.rundir, info.ranks[0].nodeid, JobID(job.id).f58)
        targets, redirects, logfiles = [], {}, {}
        try:
            for stream in ("stdout", "stderr"):
                path = (output.get(stream) or {}).get("path")
                if path is None and stream == "stderr":
                    path = (output.get("stdout") or {}).get("path")
                    if path is not None:
                        targets.append(subprocess.STDOUT)
                        redirects[stream] = redirects["stdout"]
                        continue
                if path is None:
                    path = self.instance.output_path(job, stream)
                    logfiles[stream] = open(path, "wb", buffering=0)
                    targets.append(subprocess.PIPE)
                    continue
                # the event names no shell: per-node tags stay as written
                redirects[stream] = shell.mustache.render(path, info, job.id, nodeid=-1,
                                                          tmpdir=tmpdir)
                # the shell truncates unless output.mode=append; one open per job
                # serves all its tasks
                mode = "ab" if output.get("mode") == "append" else "wb"
                targets.append(open(shell.mustache.render(path, info, job.id, tmpdir=tmpdir), mode))
        except BaseException:
            for f in (*targets, *logfiles.values()):
                if hasattr(f, "close"):
                    f.close()
            raise
        return targets[0], targets[1], redirects, logfiles

    def _task_exited(self, job, proc):
        ex = job.exec
        if ex is None or proc.pid not in ex.procs:
            return
        _proc, rank, taskid = ex.procs[proc.pid]
        if job.output.when_open(taskid, lambda: self._task_exited(job, proc)):
            return  # a task completes at its exit and EOF on its streams, both
        del ex.procs[proc.pid]
        rc = proc.returncode
        signaled = -rc if rc < 0 else 0
        # the job shell reports a signalled task as exit code 128+signo
        code = 128 + signaled if signaled else rc
        job.output.log(rank.nodeid, LOG_DEBUG, f"task {taskid} complete status={code}")
        if not ex.statuses:
            # the shell posts only the first task exit
            self._post_exec(
                job,
                "shell.task-exit",
                {
                    "localid": rank.taskids.index(taskid),
                    "rank": taskid,
                    "state": "Exited",
                    "pid": proc.pid,
                    "wait_status": signaled if signaled else rc << 8,
                    "signaled": signaled,
                    "exitcode": code,
                },
            )
        ex.statuses.append(code << 8)
        if not ex.procs:
            status = max(ex.statuses)
            if ex.exception_status is not None:
                status = max(status, ex.exception_status)
            self._shells_exited(job, status)

    def _shells_exited(self, job, status):
        for rank in job.exec.layout.ranks:
            job.output.log(rank.nodeid, LOG_DEBUG, f"exit {status >> 8}")
            self._post_exec(job, "shell-exit", {"rank": rank.rank, "wait_status": status})
        self._complete(job, status)

    # -- completion and kill --------------------------------------------------------

    def _complete(self, job, status):
        ex = job.exec
        if ex is None or not job.active or job.waitstatus is not None:
            return
        ex.timer_token += 1
        if job.output is not None:
            job.output.close()
        if ex.layout is not None:
            f58 = JobID(job.id).f58
            for rank in ex.layout.ranks:
                shutil.rmtree(
                    shell.job_tmpdir(self.instance.rundir, rank.nodeid, f58), ignore_errors=True
                )
        self._post_exec(job, "complete", {"status": status})
        self._post_exec(job, "done")
        self.instance.jobmanager.finished(job, status)
        job.exec = None

    def _exec_done(self, job):
        if job.exec is None:
            return
        job.exec.timer_token += 1
        self._post_exec(job, "done")
        job.exec = None
        self.instance.jobmanager.exec_failed(job)

    def kill_on_exception(self, job, event):
        """A fatal exception hit a running job: terminate it (cancel = SIGTERM)."""
        ex = job.exec
        if ex is None or ex.killed:
            return
        if not ex.started and not ex.override:
            self._exec_done(job)
            return
        self._kill(job, ex.kill_signal)

    def signal(self, job, signum):
        """``flux job kill``: deliver ``signum`` to every task.

        Flux publishes the signal to the job's shells; a mock job has none,
        so it runs on untouched.
        """
        ex = job.exec
        if ex is not None and not ex.mock:
            self._signal_procs(ex, signum)

    def _kill(self, job, signum):
        ex = job.exec
        ex.killed = True
        if ex.mock:
            self._mock_killed(job, signum)
            return
        self._signal_procs(ex, signum)
        self._after(job, KILL_TIMEOUT, self._hard_kill)

    def _mock_killed(self, job, signum):
        # testexec reports the signal number itself as the wait status
        job.exec.timer_token += 1
        self._complete(job, int(signum))

    def _hard_kill(self, job):
        if job.exec is not None:
            self._signal_procs(job.exec, signal.SIGKILL)

    @staticmethod
    def _signal_procs(ex, signum):
        for proc, _rank, _taskid in list(ex.procs.values()):
            try:
                os.killpg(proc.pid, signum)
            except (ProcessLookupError, PermissionError):
                pass

    def shutdown(self):
        """Kill every task still running (instance shutdown)."""
        self.output.stop()
        for job in list(self.instance.jobmanager.jobs.values()):
            if job.exec is not None and not job.exec.mock:
                self._signal_procs(job.exec, signal.SIGKILL)
