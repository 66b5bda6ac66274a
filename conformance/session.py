"""Run one case on one Flux instance and observe the outcome.

Written once against the ``flux.job`` API: the instance object handed in
(see :mod:`conformance.backends`) supplies the ``job`` module and handle of
either real Flux or fluxsim, and knows how to let time pass and how to tell
when the instance has settled after a step.
"""

import json
import os

from conformance.model import DEFAULT_RUN_DURATION, observe_job

__all__ = ["run_case", "ENV_SCRIPT", "parse_task_lines", "parse_eventlog"]

#: each task prints what the conformance suite compares about it
ENV_SCRIPT = (
    'echo "$FLUX_TASK_RANK $FLUX_TASK_LOCAL_ID $FLUX_JOB_SIZE $FLUX_JOB_NNODES '
    '${CUDA_VISIBLE_DEVICES:-unset} ${FLUX_URI##*/}"'
)
#: :data:`ENV_SCRIPT` plus the CPUs the task may run on (its binding)
BIND_SCRIPT = ENV_SCRIPT[:-1] + ' $(grep Cpus_allowed_list: /proc/self/status | cut -f2)"'
#: the only environment env jobs get, identical on both lanes
ENV_JOB_ENVIRONMENT = {"PATH": "/usr/bin:/bin"}

#: a job whose last event is one of these stays put until something happens
STABLE_EVENTS = ("priority", "start", "clean")


def parse_task_lines(text):
    """Task records from the output of :data:`ENV_SCRIPT`, by task rank."""
    tasks = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) not in (6, 7):
            continue
        rank, local_id, size, nnodes, cuda, uri_tail = fields[:6]
        task = {
            "rank": int(rank),
            "local_id": int(local_id),
            "size": int(size),
            "nnodes": int(nnodes),
            "cuda_visible_devices": cuda,
            "broker_rank": int(uri_tail.rsplit("-", 1)[-1]),
        }
        if len(fields) == 7:
            task["cpus"] = fields[6]
        tasks.append(task)
    return sorted(tasks, key=lambda t: t["rank"])


class _Event:
    __slots__ = ("name", "context", "timestamp")

    def __init__(self, entry):
        self.name = entry["name"]
        self.context = entry.get("context", {})
        self.timestamp = entry["timestamp"]


def parse_eventlog(text):
    """RFC 18 eventlog text (one JSON object a line) -> events with name/context."""
    return [_Event(json.loads(line)) for line in text.splitlines() if line.strip()]


def _jobspec(jobmod, args, outdir):
    if "jobspec" in args:
        return args["jobspec"]
    keys = ("num_tasks", "cores_per_task", "gpus_per_task", "num_nodes", "exclusive")
    kwargs = {k: args[k] for k in keys if k in args}
    if args.get("env") or args.get("bind"):
        script = BIND_SCRIPT if args.get("bind") else ENV_SCRIPT
        spec = jobmod.JobspecV1.from_command(["sh", "-c", script], **kwargs)
        spec.environment = dict(ENV_JOB_ENVIRONMENT)
        if args.get("bind"):
            spec.setattr_shell_option("cpu-affinity", args["bind"])
        spec.cwd = outdir
        spec.setattr_shell_option("output.stdout.path", os.path.join(outdir, "{{id}}.out"))
    else:
        spec = jobmod.JobspecV1.from_command(["true"], **kwargs)
        test = {"run_duration": str(args.get("run_duration", DEFAULT_RUN_DURATION))}
        for key in ("wait_status", "mock_exception"):
            if key in args:
                test[key] = args[key]
        spec.setattr("system.exec.test", test)
    if "duration" in args:
        spec.duration = args["duration"]
    if "queue" in args:
        spec.setattr("system.queue", args["queue"])
    if "requires" in args:
        # what ``flux submit --requires=PROP,...`` writes
        spec.setattr("system.constraints", {"properties": list(args["requires"])})
    return spec


class _Run:
    """The state of one case run: labels, job ids, observations."""

    def __init__(self, instance, outdir):
        self.inst = instance
        self.job = instance.job
        self.h = instance.handle
        self.outdir = outdir
        self.ids = {}  # label -> jobid
        self.errors = {}  # label -> submit error text
        self.env_jobs = set()
        self.drained = set()
        self.step_error = None

    def step(self, op, args):
        """Apply one operation; a refused operation is part of the outcome."""
        self.step_error = None
        try:
            getattr(self, "_op_" + op)(args)
        except OSError as exc:
            self.step_error = f"{type(exc).__name__}: {exc.strerror or exc}"

    def _op_submit(self, args):
        label = args["job"]
        try:
            spec = _jobspec(self.job, args, self.outdir)
            if isinstance(spec, dict):
                spec = json.dumps(spec)
            jobid = self.job.submit(self.h, spec, urgency=args.get("urgency", 16))
        except (OSError, ValueError, TypeError) as exc:
            self.errors[label] = f"{type(exc).__name__}: {exc}"
            return
        self.ids[label] = jobid
        if args.get("env") or args.get("bind"):
            self.env_jobs.add(label)

    def _op_cancel(self, args):
        self.job.cancel(self.h, self.ids[args["job"]], args.get("reason"))

    def _op_urgency(self, args):
        self.h.rpc(
            "job-manager.urgency", {"id": int(self.ids[args["job"]]), "urgency": args["value"]}
        ).get()

    def _op_drain(self, args):
        payload = {"targets": str(args["ranks"])}
        if args.get("reason"):
            payload["reason"] = args["reason"]
        self.h.rpc("resource.drain", payload, nodeid=0).get()
        self.drained.add(str(args["ranks"]))

    def _op_undrain(self, args):
        self.h.rpc("resource.undrain", {"targets": str(args["ranks"])}, nodeid=0).get()
        self.drained.discard(str(args["ranks"]))

    def _op_wait(self, args):
        self.inst.advance(float(args["seconds"]))

    # -- observation ---------------------------------------------------------------

    def eventlog(self, jobid):
        data = self.job.job_kvs_lookup(self.h, jobid, keys=["eventlog"], decode=False)
        return parse_eventlog(data["eventlog"]) if data else []

    def settled(self):
        """True when every job's last event is a resting one (env jobs: finished)."""
        for label, jobid in self.ids.items():
            events = self.eventlog(jobid)
            if not events or events[-1].name not in STABLE_EVENTS:
                return False
            if label in self.env_jobs and events[-1].name != "clean":
                return False
        return True

    def pending(self):
        """Whether some job rests pending, where its scheduler may still answer it late."""
        return any(
            (events := self.eventlog(jobid)) and events[-1].name == "priority"
            for jobid in self.ids.values()
        )

    def observe(self):
        out = {}
        if self.step_error is not None:
            out["step_error"] = self.step_error
        for label, err in self.errors.items():
            out[label] = {"submit_error": err}
        for label, jobid in self.ids.items():
            events = self.eventlog(jobid)
            R = None
            if any(e.name == "alloc" for e in events):
                data = self.job.job_kvs_lookup(self.h, jobid, keys=["R"])
                R = data["R"] if data else None
            tasks = None
            if label in self.env_jobs:
                path = os.path.join(self.outdir, f"{self.job.JobID(jobid).f58}.out")
                text = open(path).read() if os.path.exists(path) else ""
                tasks = parse_task_lines(text)
            out[label] = observe_job(events, R, tasks)
        return out


def run_case(case, instance, outdir):
    """Run ``case`` on ``instance``; returns the outcome (one dict per step)."""
    run = _Run(instance, outdir)
    outcome = []
    try:
        for step in case.steps:
            (op, args), = step.items()
            run.step(op, args)
            instance.settle(run.settled, run.pending)
            outcome.append(run.observe())
    finally:
        instance.reset(run.ids.values(), run.drained)
    return outcome
