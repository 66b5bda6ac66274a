"""Queue states as flux-core 0.88's job manager keeps them: enabled/disabled,
started/stopped, and what they do to submissions and alloc requests.

Every expected payload, error, state and output line here was recorded on
a real ``flux start --test-size=1`` (flux-core 0.88.0, flux-sched 0.54.0)
with ``[queues.batch]``, ``[queues.debug]`` and ``batch`` as the default
queue (``NAMED``), or without queues; the job scenarios gave the same
outcome with Fluxion and with sched-simple.  The ``flux queue`` sequences
run in ``fluxsim start`` and, where real Flux's ``flux`` is found
(``fluxexec_support.real_flux_command``), in a real ``flux start`` too.
"""

import errno
import subprocess
import textwrap

import pytest

import fluxsim
import fluxsim.job as fj
from dropin_support import STARTS
from fluxsim.zhashx import order

NAMED = {"queues": {"batch": {}, "debug": {}},
         "policy": {"jobspec": {"defaults": {"system": {"queue": "batch"}}}}}
SCHEDULERS = ["fluxion", "sched-simple"]
EPROTO = (errno.EPROTO, "Protocol error")


def rpc(h, topic, payload):
    """The response payload, or ``(errno, message)`` of the error."""
    try:
        return h.rpc(f"job-manager.{topic}", payload).get()
    except OSError as exc:
        return exc.errno, exc.strerror


# -- the RPCs ---------------------------------------------------------------------------

# (topic, payload, response or (errno, message)), in the order sent to one instance
NAMED_RPCS = [
    ("queue-list", {}, {"queues": ["batch", "debug"]}),
    ("queue-status", {}, (22, "a named queue is required")),
    ("queue-status", {"name": "batch"}, {"enable": True, "start": False}),
    ("queue-status", {"name": "nope"}, (22, "'nope' is not a valid queue")),
    ("queue-status", {"name": 3}, EPROTO),
    ("queue-status", {"name": None}, EPROTO),
    ("queue-enable", {"all": False, "enable": False, "name": "batch"},
     (22, "reason is required for disable")),
    ("queue-enable", {"all": False, "enable": False}, (22, "reason is required for disable")),
    ("queue-enable", {"all": True, "enable": False, "reason": "r1"}, None),
    ("queue-status", {"name": "batch"}, {"disable_reason": "r1", "enable": False, "start": False}),
    ("queue-enable", {"all": False, "enable": True},
     (22, "Use --all to apply this command to all queues")),
    ("queue-enable", {"all": False, "enable": True, "name": "nope"},
     (22, "'nope' is not a valid queue")),
    ("queue-enable", {"enable": True, "name": "batch"}, EPROTO),
    ("queue-enable", {"all": False, "enable": 1, "name": "batch"}, EPROTO),
    ("queue-enable", {"all": True, "enable": False, "reason": None}, EPROTO),
    ("queue-enable", {"all": False, "enable": True, "name": "batch", "reason": "x"}, None),
    ("queue-status", {"name": "batch"}, {"enable": True, "start": False}),
    ("queue-start", {"all": False, "start": True},
     (22, "Use --all to apply this command to all queues")),
    ("queue-start", {"all": False, "name": "nope", "start": True},
     (22, "'nope' is not a valid queue")),
    ("queue-start", {"start": True}, EPROTO),
    ("queue-start", {"all": True, "nocheckpoint": None, "start": False}, EPROTO),
    ("queue-start", {"all": False, "name": "batch", "reason": "r2", "start": False}, None),
    ("queue-status", {"name": "batch"}, {"enable": True, "start": False, "stop_reason": "r2"}),
    ("queue-start", {"all": True, "start": False}, None),
    ("queue-status", {"name": "batch"}, {"enable": True, "start": False}),
    ("queue-start", {"all": True, "nocheckpoint": True, "start": True}, None),
    ("queue-status", {"name": "debug"}, {"disable_reason": "r1", "enable": False, "start": True}),
    ("queue-start", {"all": False, "name": "debug", "nocheckpoint": True, "reason": "r3",
                     "start": False}, None),
    # a name wins over all
    ("queue-enable", {"all": True, "enable": False, "name": "debug", "reason": "r4"}, None),
    ("queue-status", {"name": "debug"},
     {"disable_reason": "r4", "enable": False, "start": False, "stop_reason": "r3"}),
    ("queue-status", {"name": "batch"}, {"enable": True, "start": True}),
    ("alloc-query", {}, {"alloc_pending": 0, "queue_length": 0, "running": 0}),
    ("idle", {}, {"pending": 0}),
]

ANONYMOUS_RPCS = [
    ("queue-list", {}, {"queues": []}),
    ("queue-status", {}, {"enable": True, "start": True}),
    ("queue-status", {"name": "batch"}, (22, "'batch' is not a valid queue")),
    ("queue-enable", {"all": True, "enable": False, "reason": "r1"}, None),
    ("queue-enable", {"all": False, "enable": True}, None),
    ("queue-enable", {"all": False, "enable": True, "name": "batch", "reason": "x"},
     (22, "'batch' is not a valid queue")),
    ("queue-start", {"all": False, "start": True}, None),
    ("queue-start", {"all": True, "start": False}, None),
    ("queue-start", {"all": True, "nocheckpoint": True, "start": True}, None),
    ("queue-start", {"all": False, "name": "debug", "reason": "r3", "start": False},
     (22, "'debug' is not a valid queue")),
]


@pytest.mark.parametrize("config, transcript", [(NAMED, NAMED_RPCS), (None, ANONYMOUS_RPCS)],
                         ids=["named", "anonymous"])
def test_queue_rpcs_answer_as_flux(config, transcript):
    with fluxsim.start(nnodes=1, cores_per_node=2, config=config, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        got = [(topic, payload, rpc(h, topic, payload)) for topic, payload, _ in transcript]
    assert got == transcript


def test_queue_list_is_in_the_job_managers_hash_order():
    # recorded: [queues.zeta] [queues.alpha] ... in this order in the TOML file
    config = {"queues": {name: {} for name in
                         ("zeta", "alpha", "mid", "debug", "batch", "q1", "long")}}
    with fluxsim.start(nnodes=1, cores_per_node=1, config=config, clock="virtual") as inst:
        names = rpc(fluxsim.Flux(inst.uri), "queue-list", {})["queues"]
    assert names == ["debug", "zeta", "long", "q1", "alpha", "mid", "batch"]


def test_hash_order_through_table_growth_and_non_ascii_names():
    names = ["batch", "debug", "long", "short", "gpu", "viz", "q7", "pdebug", "pbatch",
             "standby", "x", "yy", "zzz", "interactive", "test", "dev", "big", "small", "a1",
             "b2", "c3", "d4", "e5", "f6", "g7", "h8", "i9", "j10", "k11", "l12", "m13", "n14",
             "o15", "p16", "r17", "s18", "t19", "u20", "v21", "w22", "naïve", "Ωmega"]
    # recorded: job-manager.queue-list of these 42 [queues.NAME] tables
    assert order(names) == [
        "p16", "i9", "v21", "m13", "dev", "h8", "r17", "long", "w22", "o15", "c3", "x",
        "Ωmega", "b2", "u20", "t19", "g7", "q7", "short", "interactive", "j10", "yy", "f6",
        "a1", "big", "s18", "test", "gpu", "l12", "batch", "n14", "zzz", "naïve", "small",
        "e5", "viz", "d4", "standby", "k11", "pdebug", "pbatch", "debug"]


# -- what the states do -------------------------------------------------------------------


def _job(h, ntasks=1, urgency=16, queue=None, duration=None):
    spec = fj.JobspecV1.from_command(["true"], num_tasks=ntasks)
    if queue:
        spec.setattr("system.queue", queue)
    if duration:
        spec.duration = duration
    return fj.submit(h, spec, urgency=urgency)


@pytest.mark.parametrize("queue, message", [
    ("batch", "job submission to batch is disabled: disabled by administrator"),
    ("debug", "job submission to debug is disabled: no more"),
])
def test_a_disabled_queue_refuses_submissions(queue, message):
    with fluxsim.start(nnodes=1, cores_per_node=2, config=NAMED, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        reason = "no more" if queue == "debug" else "disabled by administrator"
        rpc(h, "queue-enable", {"enable": False, "all": False, "name": queue, "reason": reason})
        with pytest.raises(OSError) as info:
            _job(h, queue=None if queue == "batch" else queue)  # batch: the default
    assert (info.value.errno, info.value.strerror) == (errno.EINVAL, message)


def test_the_disabled_anonymous_queue_refuses_submissions():
    with fluxsim.start(nnodes=1, cores_per_node=2, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        rpc(h, "queue-enable", {"enable": False, "all": False, "reason": "disabled by administrator"})
        with pytest.raises(OSError) as info:
            _job(h)
    assert (info.value.errno, info.value.strerror) == (
        errno.EINVAL, "job submission is disabled: disabled by administrator")


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_a_stopped_queues_job_waits_in_sched_until_the_queue_starts(scheduler):
    with fluxsim.start(nnodes=1, cores_per_node=2, config=NAMED, clock="virtual",
                       scheduler=scheduler) as inst:
        h = fluxsim.Flux(inst.uri)
        jobid = _job(h)
        inst.run()
        before = fj.get_job(h, jobid)["state"]
        idle = rpc(h, "idle", {})
        rpc(h, "queue-start", {"start": True, "all": False, "name": "batch"})
        inst.run()
        events = [e.name for e in fj.event_watch(h, jobid)]
    assert (before, idle) == ("SCHED", {"pending": 1})
    assert events == ["submit", "validate", "depend", "priority", "alloc", "start", "finish",
                      "release", "free", "clean"]


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_stopping_withdraws_pending_requests_and_starting_sends_them_by_priority(scheduler):
    with fluxsim.start(nnodes=1, cores_per_node=2, config=NAMED, clock="virtual",
                       scheduler=scheduler) as inst:
        h = fluxsim.Flux(inst.uri)
        rpc(h, "queue-start", {"start": True, "all": False, "name": "batch"})
        a = _job(h, ntasks=2, duration=300)
        b = _job(h, ntasks=2)
        c = _job(h, urgency=20)
        d = _job(h, urgency=0)
        inst.run(until=1)
        pending = rpc(h, "alloc-query", {})
        rpc(h, "queue-start", {"start": False, "all": False, "name": "batch"})
        stopped = rpc(h, "alloc-query", {})
        fj.cancel(h, a)
        inst.run(until=2)
        states = {name: fj.get_job(h, j)["state"] for name, j in zip("abcd", (a, b, c, d))}
        idle = rpc(h, "idle", {})
        rpc(h, "queue-start", {"start": True, "all": False, "name": "batch"})
        inst.run(until=3)
        runs = {name: fj.get_job(h, j)["t_run"] for name, j in zip("bc", (b, c))}
        after = {name: fj.get_job(h, j)["state"] for name, j in zip("bcd", (b, c, d))}
        end = rpc(h, "alloc-query", {})
    assert pending == {"queue_length": 0, "alloc_pending": 2, "running": 1}
    assert stopped == {"queue_length": 0, "alloc_pending": 0, "running": 1}
    assert states == {"a": "INACTIVE", "b": "SCHED", "c": "SCHED", "d": "SCHED"}
    assert idle == {"pending": 3}
    assert runs["c"] < runs["b"]  # c (priority 20) went to the scheduler first
    assert after == {"b": "INACTIVE", "c": "INACTIVE", "d": "SCHED"}  # d is held
    assert end == {"queue_length": 0, "alloc_pending": 0, "running": 0}


# -- flux queue -----------------------------------------------------------------------------

ON = "\033[01;32m ✔\033[0;0m"
OFF = "\033[01;31m ✗\033[0;0m"
RESOURCE_TOML = '[resource]\nnoverify = true\n[[resource.config]]\nhosts = "node0"\ncores = "0-3"\n'
NAMED_TOML = '[queues.batch]\n[queues.debug]\n[policy]\njobspec.defaults.system.queue = "batch"\n'
USAGE = "usage: flux-queue [-h] {list,status,enable,disable,start,stop,drain,idle} ..."

NAMED_SCRIPT = """
flux queue list; echo rc=$?
flux queue status; echo rc=$?
flux queue status -v batch; echo rc=$?
flux queue status nope; echo rc=$?
flux queue start; echo rc=$?
id=$(flux submit -n1 true)
flux jobs -n -o '{state} {queue}' $id
flux queue idle; echo rc=$?
flux queue start batch; echo rc=$?
flux job wait-event -t 60 $id clean >/dev/null; echo rc=$?
flux queue stop -m maintenance batch; echo rc=$?
flux queue disable -m "no more" debug; echo rc=$?
flux queue disable batch; echo rc=$?
flux queue list; echo rc=$?
flux submit -n1 true; echo rc=$?
flux submit -q debug -n1 true; echo rc=$?
flux queue enable; echo rc=$?
flux queue enable --all; echo rc=$?
flux queue start --all --quiet; echo rc=$?
flux queue status; echo rc=$?
flux queue list -n -o '{queue} {submission} {scheduling} {enabled.ascii} {started.ascii}'; echo rc=$?
flux queue list -q nope; echo rc=$?
flux queue list -o nodes; echo rc=$?
flux queue list -o policy; echo rc=$?
flux queue start nope; echo rc=$?
flux queue stop -v --all; echo rc=$?
flux queue drain; echo rc=$?
flux queue bogus; echo rc=$?
"""

NAMED_OUTPUT = [
    "QUEUE    EN ST TDEFAULT   TLIMIT     NNODES     NCORES      NGPUS",
    f"batch*   {ON} {OFF}      inf      inf        0-1        0-4        0-0",
    f"debug    {ON} {OFF}      inf      inf        0-1        0-4        0-0",
    "rc=0",
    "batch: Job submission is enabled", "batch: Scheduling is stopped",
    "debug: Job submission is enabled", "debug: Scheduling is stopped",
    "rc=0",
    "batch: Job submission is enabled", "batch: Scheduling is stopped",
    "debug: Job submission is enabled", "debug: Scheduling is stopped",
    "0 alloc requests queued", "0 alloc requests pending to scheduler", "0 running jobs",
    "rc=0",
    "flux-queue: ERROR: status: 'nope' is not a valid queue", "rc=1",
    "flux-queue: ERROR: Named queues are defined. Specify queues or use --all.", "rc=1",
    "SCHED batch",
    "1 jobs", "rc=0",
    "batch: Scheduling is started", "rc=0",
    "rc=0",
    "batch: Scheduling is stopped: maintenance", "rc=0",
    "debug: Job submission is disabled: no more", "rc=0",
    "batch: Job submission is disabled: disabled by administrator", "rc=0",
    "QUEUE    EN ST TDEFAULT   TLIMIT     NNODES     NCORES      NGPUS",
    f"batch*   {OFF} {OFF}      inf      inf        0-1        0-4        0-0",
    f"debug    {OFF} {OFF}      inf      inf        0-1        0-4        0-0",
    "rc=0",
    "[Errno 22] job submission to batch is disabled: disabled by administrator", "rc=1",
    "[Errno 22] job submission to debug is disabled: no more", "rc=1",
    "flux-queue: ERROR: enable: Use --all to apply this command to all queues", "rc=1",
    "batch: Job submission is enabled", "debug: Job submission is enabled", "rc=0",
    "rc=0",
    "batch: Job submission is enabled", "batch: Scheduling is started",
    "debug: Job submission is enabled", "debug: Scheduling is started",
    "rc=0",
    "batch enabled started y y", "debug enabled started y y", "rc=0",
    "flux-queue: ERROR: No such queue: nope", "rc=1",
    "QUEUE    EN ST  NODES   NODES:UP NODES:DOWN NODES:ALLOC NODES:FREE",
    f"batch*   {ON} {ON}      1          1          0           0          1",
    f"debug    {ON} {ON}      1          1          0           0          1",
    "rc=0",
    "QUEUE    EN ST TDEFAULT   TLIMIT     NNODES     NCORES      NGPUS",
    f"batch*   {ON} {ON}      inf      inf      0-inf      0-inf      0-inf",
    f"debug    {ON} {ON}      inf      inf      0-inf      0-inf      0-inf",
    "rc=0",
    "flux-queue: ERROR: start: 'nope' is not a valid queue", "rc=1",
    "batch: Scheduling is stopped", "debug: Scheduling is stopped",
    "0 alloc requests queued", "0 alloc requests pending to scheduler", "0 running jobs",
    "rc=0",
    "rc=0",
    USAGE,
    "flux-queue: error: argument subcommand: invalid choice: 'bogus' (choose from 'list', "
    "'status', 'enable', 'disable', 'start', 'stop', 'drain', 'idle')",
    "rc=2",
]

ANONYMOUS_SCRIPT = """
flux queue list; echo rc=$?
flux queue status; echo rc=$?
flux queue stop -m why; echo rc=$?
id=$(flux submit -n1 true)
flux jobs -n -o '{state}' $id
flux queue status -v; echo rc=$?
flux queue idle; echo rc=$?
flux queue disable; echo rc=$?
flux submit -n1 true; echo rc=$?
flux submit -q foo -n1 true; echo rc=$?
flux queue enable; echo rc=$?
flux queue start; echo rc=$?
flux job wait-event -t 60 $id clean >/dev/null; echo rc=$?
flux queue idle; echo rc=$?
flux queue status batch; echo rc=$?
flux queue list -o '{queue}|{queuem}|{submission}|{scheduling}'; echo rc=$?
"""

ANONYMOUS_OUTPUT = [
    " EN ST TDEFAULT   TLIMIT     NNODES     NCORES      NGPUS",
    f" {ON} {ON}      inf      inf        0-1        0-4        0-0",
    "rc=0",
    "Job submission is enabled", "Scheduling is started", "rc=0",
    "Scheduling is stopped: why", "rc=0",
    "SCHED",
    "Job submission is enabled", "Scheduling is stopped: why",
    "0 alloc requests queued", "0 alloc requests pending to scheduler", "0 running jobs",
    "rc=0",
    "1 jobs", "rc=0",
    "Job submission is disabled: disabled by administrator", "rc=0",
    "[Errno 22] job submission is disabled: disabled by administrator", "rc=1",
    "[Errno 22] 'foo' is not a valid queue", "rc=1",
    "Job submission is enabled", "rc=0",
    "Scheduling is started", "rc=0",
    "rc=0",
    "0 jobs", "rc=0",
    "flux-queue: ERROR: status: 'batch' is not a valid queue", "rc=1",
    "QUEUE|QUEUE|SUBMIT|SCHED", "||enabled|started", "rc=0",
]



@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("toml, script, expected", [
    (RESOURCE_TOML + NAMED_TOML, NAMED_SCRIPT, NAMED_OUTPUT),
    (RESOURCE_TOML, ANONYMOUS_SCRIPT, ANONYMOUS_OUTPUT),
], ids=["named", "anonymous"])
def test_flux_queue_commands(start, toml, script, expected, tmp_path):
    (tmp_path / "instance.toml").write_text(toml)
    program = "exec 2>&1\n" + textwrap.dedent(script).strip()
    proc = subprocess.run(
        [*start, "--test-size=1", "--test-hosts=node0", "-c", str(tmp_path), "sh", "-c", program],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == expected


# -- who starts queues -----------------------------------------------------------------------


def test_a_replay_starts_the_queues_and_both_engines_agree():
    from fluxsim.trace import replay
    from fluxsim.trace.workload import TraceJob, Workload

    spec = fj.JobspecV1.from_command(["true"], num_tasks=1)
    spec.setattr("system.queue", "batch")
    spec.duration = 10
    jobs = [TraceJob(str(i), float(i), spec.jobspec) for i in range(3)]
    runs = {mode: replay(Workload(jobs), nnodes=1, cores_per_node=1, config=NAMED, mode=mode)
            for mode in ("fast", "instance")}
    starts = {mode: [r.start for r in result.records] for mode, result in runs.items()}
    # one core, ten seconds each, submitted a second apart: back to back
    assert starts == {"fast": [0.0, 10.0, 20.0], "instance": [0.0, 10.0, 20.0]}
