"""Cases and outcomes: the data the conformance suite is made of.

A case file (``cases/*.yaml``) gives a resource shape and a list of cases; a
case is a sequence of steps, each an operation on a Flux instance::

    shape: {nnodes: 4, cores_per_node: 4, gpus_per_node: 2}
    cases:
      - name: two-jobs-fill-a-node
        steps:
          - submit: {job: a, num_tasks: 4}
          - submit: {job: b, num_tasks: 1, cores_per_task: 2}
          - cancel: {job: a}

A file may also say which schedulers it applies to (``schedulers:
[fluxion]``; default: both of :data:`SCHEDULERS`) and carry a Flux
configuration for its instance (``config:``, a dict written as TOML into the
instance's config directory, e.g. ``{sched-fluxion-resource: {match-policy:
lonodex}, queues: {batch: {requires: [big]}}}``).  A shape may give nodes
properties (``properties: {big: "2-3"}``: property -> ranks, written as
``[[resource.config]] properties``).

Operations: ``submit`` (resource request keys of ``JobspecV1.from_command``:
num_tasks, cores_per_task, gpus_per_task, num_nodes, exclusive; plus
duration, urgency, ``queue``, ``requires`` (node properties, as
``--requires``), run_duration / wait_status / mock_exception for mock
execution, ``env: true`` to run a real command that reports each task's
environment, ``bind: on|per-task|off`` to run it with that cpu-affinity and
report each task's allowed CPUs too, or ``jobspec`` for a raw RFC 14
jobspec), ``cancel``, ``drain``,
``undrain``, ``urgency`` and ``wait`` (seconds of instance time).

After every step the suite observes every job (:func:`observe_job`); the
observations of a whole case are its *outcome*.  Expected outcomes are golden
files, one per scheduler (``golden/SCHEDULER/NAME.json``), recorded from real
Flux by ``python -m conformance record``; a case may instead carry
``expect`` with a ``not_recorded`` reason.
"""

import json
from pathlib import Path

import yaml

__all__ = [
    "CASES_DIR",
    "GOLDEN_DIR",
    "SCHEDULERS",
    "Case",
    "load_cases",
    "load_golden",
    "golden_path",
    "observe_job",
    "diff_outcomes",
    "flux_version_of",
    "fluxion_policies",
    "scheduler_label",
]

CASES_DIR = Path(__file__).resolve().parent / "cases"
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"

#: The schedulers a case can run on, as :func:`conformance.backends.scheduler_of` names them.
SCHEDULERS = ("sched-simple", "fluxion")

OPERATIONS = ("submit", "cancel", "drain", "undrain", "urgency", "wait")
SUBMIT_KEYS = {
    "job",
    "num_tasks",
    "cores_per_task",
    "gpus_per_task",
    "num_nodes",
    "exclusive",
    "duration",
    "urgency",
    "queue",
    "requires",
    "run_duration",
    "wait_status",
    "mock_exception",
    "env",
    "bind",
    "jobspec",
}
#: a mock job runs this long unless the case says otherwise: "until canceled"
DEFAULT_RUN_DURATION = "1h"


class Case:
    """One conformance case: a name, a resource shape and its steps.

    ``config`` is its instance's Flux configuration (beyond the shape's
    ``[resource]``), ``schedulers`` the schedulers it applies to.
    """

    __slots__ = (
        "file", "name", "shape", "steps", "expect", "not_recorded", "clock", "config", "schedulers",
    )

    def __init__(
        self, file, name, shape, steps, expect=None, not_recorded=None, config=None,
        schedulers=SCHEDULERS,
    ):
        self.file = file
        self.name = name
        self.shape = shape
        self.steps = steps
        self.expect = expect
        self.not_recorded = not_recorded
        self.config = config or {}
        self.schedulers = tuple(schedulers)
        self.clock = "real" if any(
            "submit" in s and _runs_tasks(s["submit"]) for s in steps
        ) else "virtual"

    @property
    def binds(self):
        """True if the case observes CPU binding (which depends on the machine's CPUs)."""
        return any("submit" in s and s["submit"].get("bind") for s in self.steps)

    @property
    def id(self):
        """``file::name``, unique across the suite."""
        return f"{self.file}::{self.name}"

    def __repr__(self):
        return f"Case({self.id})"


def _runs_tasks(submit):
    """True if the job runs real tasks (so the case needs the real clock):
    an ``env``/``bind`` job, or a raw jobspec without ``exec.test``."""
    if submit.get("env") or submit.get("bind"):
        return True
    spec = submit.get("jobspec")
    if not isinstance(spec, dict):
        return False
    try:
        return "test" not in spec["attributes"]["system"].get("exec", {})
    except (KeyError, TypeError, AttributeError):
        return False


def _check_step(where, step):
    if not isinstance(step, dict) or len(step) != 1:
        raise ValueError(f"{where}: a step is a mapping with one operation, got {step!r}")
    (op, args), = step.items()
    if op not in OPERATIONS:
        raise ValueError(f"{where}: unknown operation {op!r}; valid: {', '.join(OPERATIONS)}")
    if op == "submit":
        unknown = set(args) - SUBMIT_KEYS
        if unknown:
            raise ValueError(
                f"{where}: unknown submit key(s) {sorted(unknown)}; valid: {sorted(SUBMIT_KEYS)}"
            )
        if "job" not in args:
            raise ValueError(f"{where}: submit needs a job label")


def load_cases(directory=CASES_DIR):
    """Every case of every ``*.yaml`` file in ``directory``, in file order."""
    cases = []
    for path in sorted(Path(directory).glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        shape = data.get("shape", {})
        config = data.get("config") or {}
        schedulers = data.get("schedulers", SCHEDULERS)
        unknown = set(schedulers) - set(SCHEDULERS)
        if unknown or not isinstance(config, dict):
            raise ValueError(
                f"{path.name}: schedulers must be among {list(SCHEDULERS)} and config a mapping"
            )
        seen = set()
        for entry in data["cases"]:
            name = entry["name"]
            if name in seen:
                raise ValueError(f"{path.name}: duplicate case name {name!r}")
            seen.add(name)
            for i, step in enumerate(entry["steps"]):
                _check_step(f"{path.name}::{name} step {i}", step)
            cases.append(
                Case(
                    path.stem,
                    name,
                    {**shape, **entry.get("shape", {})},
                    entry["steps"],
                    entry.get("expect"),
                    entry.get("not_recorded"),
                    config,
                    schedulers,
                )
            )
    return cases


def golden_path(file, scheduler):
    """Where ``scheduler``'s golden outcomes of case file ``file`` live."""
    return GOLDEN_DIR / scheduler / f"{file}.json"


def load_golden(file, scheduler):
    """``scheduler``'s golden document of a case file, or None if never recorded."""
    path = golden_path(file, scheduler)
    if not path.exists():
        return None
    return json.loads(path.read_text())


def observe_job(events, R, tasks=None):
    """What the suite compares for one job: state, allocation, events, result.

    ``events`` is the job's main eventlog (EventLogEvent list), ``R`` its
    decoded R (or None), ``tasks`` the per-task environment records of an
    ``env`` job.  Timestamps are left out: they never match across runs.
    What only some schedulers write is kept only where it is present:
    ``expiration`` instead of ``duration`` for Fluxion's end of time (a job
    without a duration), ``properties``, ``R_attributes`` (Fluxion names the
    job's queue there) and ``scheduling`` (see :func:`scheduling_summary`).
    """
    names = [e.name for e in events]
    obs = {"events": names}
    if names and names[-1] == "clean":
        obs["state"] = "inactive"
    elif "start" in names:
        obs["state"] = "running"
    else:
        obs["state"] = "pending"
    if R is not None:
        execution = R["execution"]
        obs["R_lite"] = execution["R_lite"]
        obs["nslots"] = execution.get("nslots")
        obs["nodelist"] = execution.get("nodelist")
        expiration = execution.get("expiration", 0.0) or 0.0
        start = execution.get("starttime", 0.0) or 0.0
        if expiration >= FAR_EXPIRATION:
            # not start + duration: Fluxion's end of time for a job without one
            obs["expiration"] = expiration
        else:
            obs["duration"] = round(expiration - start, 3) if expiration else 0.0
        # keys only some schedulers or configurations write
        if "properties" in execution:
            obs["properties"] = execution["properties"]
        if "attributes" in R:
            obs["R_attributes"] = R["attributes"]
        if "scheduling" in R:
            obs["scheduling"] = scheduling_summary(R["scheduling"])
    for e in events:
        if e.name == "exception" and "exception" not in obs:
            obs["exception"] = {
                "type": e.context["type"],
                "severity": e.context["severity"],
                "note": _stable_note(e.context["note"]),
            }
        if e.name == "finish":
            obs["waitstatus"] = e.context["status"]
    if tasks is not None:
        obs["tasks"] = tasks
    return obs


#: An R ``expiration`` at or past 2100-01-01 is a fixed end of time, not a
#: job's start plus its duration; the suite compares it as it is.
FAR_EXPIRATION = 4102444800


def scheduling_summary(scheduling):
    """What the suite compares of R's ``scheduling`` key (Fluxion's JGF).

    The graph has one vertex per allocated resource with scheduler-internal
    ids; R_lite already says which resources, so only its shape is kept:
    top-level keys and their plain values (``writer``), vertices per type,
    the number of edges.
    """
    if not isinstance(scheduling, dict):
        return {"type": type(scheduling).__name__}
    summary = {"keys": sorted(scheduling)}
    for key, value in sorted(scheduling.items()):
        if isinstance(value, (str, int, float, bool)):
            summary[key] = value
    graph = scheduling.get("graph")
    if isinstance(graph, dict):
        types = {}
        for vertex in graph.get("nodes", []):
            kind = vertex.get("metadata", {}).get("type", "?")
            types[kind] = types.get(kind, 0) + 1
        summary["vertices"] = dict(sorted(types.items()))
        summary["edges"] = len(graph.get("edges", []))
    return summary


#: Notes whose tail is a stale errno in flux-core 0.88 (job-exec formats
#: strerror(errno) after a failed JSON unpack, which sets no errno): the
#: suite compares them up to the colon.
_STALE_ERRNO_NOTES = ("failed to initialize testconf",)


def _stable_note(note):
    head = note.split(":", 1)[0]
    return head if head in _STALE_ERRNO_NOTES else note


def _fmt(value):
    return json.dumps(value, sort_keys=True)


def diff_outcomes(expected, observed):
    """Side-by-side text of where two outcomes differ (empty when equal)."""
    lines = []
    for i in range(max(len(expected), len(observed))):
        exp = expected[i] if i < len(expected) else {}
        obs = observed[i] if i < len(observed) else {}
        for job in sorted(set(exp) | set(obs)):
            ej, oj = exp.get(job), obs.get(job)
            if ej == oj:
                continue
            lines.append(f"step {i} job {job}:")
            if ej is None or oj is None:
                lines.append(f"  expected: {_fmt(ej)}")
                lines.append(f"  observed: {_fmt(oj)}")
                continue
            for key in sorted(set(ej) | set(oj)):
                if ej.get(key) == oj.get(key):
                    continue
                if key == "tasks":
                    lines.extend(_diff_tasks(ej.get(key) or [], oj.get(key) or []))
                    continue
                lines.append(f"  {key + ':':14} expected {_fmt(ej.get(key))}")
                lines.append(f"  {'':14} observed {_fmt(oj.get(key))}")
    return "\n".join(lines)


def _diff_tasks(expected, observed):
    lines = ["  tasks (expected | observed):"]
    for i in range(max(len(expected), len(observed))):
        e = expected[i] if i < len(expected) else None
        o = observed[i] if i < len(observed) else None
        mark = "  " if e == o else "!="
        lines.append(f"   {mark} {_fmt(e)} | {_fmt(o)}")
    return lines


def flux_version_of(golden):
    """The Flux a golden file was recorded with (``flux-core 0.88.0[, flux-sched ...]``)."""
    golden = golden or {}
    text = f"flux-core {golden.get('flux_version', 'unknown')}"
    if golden.get("flux_sched_version"):
        text += f", flux-sched {golden['flux_sched_version']}"
    return text


#: Fluxion's defaults for what :func:`scheduler_label` names (flux-sched 0.54).
FLUXION_DEFAULTS = {"match-policy": "first", "match-format": "rv1_nosched", "queue-policy": "fcfs"}


def fluxion_policies(config):
    """Match policy, match format and queue policy a Flux ``config`` gives Fluxion."""
    resource = (config or {}).get("sched-fluxion-resource", {})
    qmanager = (config or {}).get("sched-fluxion-qmanager", {})
    out = {
        "match-policy": resource.get("match-policy", FLUXION_DEFAULTS["match-policy"]),
        "match-format": resource.get("match-format", FLUXION_DEFAULTS["match-format"]),
        "queue-policy": qmanager.get("queue-policy", FLUXION_DEFAULTS["queue-policy"]),
    }
    for key in ("queue-params", "policy-params", "queue-policy-per-queue"):
        if key in qmanager:
            out[key] = qmanager[key]
    return out


def policy_label(scheduler, config=None):
    """``sched-simple``, or ``fluxion first/fcfs`` (match and queue policy): a case's policy."""
    if scheduler != "fluxion":
        return str(scheduler)
    policies = fluxion_policies(config)
    return f"fluxion {policies['match-policy']}/{policies['queue-policy']}"


def scheduler_label(scheduler, config=None):
    """``sched-simple``, or ``fluxion (match-policy=..., queue-policy=...)``: what a case ran on."""
    if scheduler != "fluxion":
        return str(scheduler)
    return "fluxion (" + ", ".join(f"{k}={v}" for k, v in fluxion_policies(config).items()) + ")"
