"""Jobs that cannot run end as Flux ends them and give their resources back.

Regression tests for two crash families: a request the job shell cannot
lay out made ``submit()`` raise an internal AttributeError, and a
malformed ``system.exec.test`` left the job in RUN holding its cores.
The events, notes and statuses asserted here were recorded from
flux-core 0.88.0 with sched-simple (also in
``conformance/golden/sched-simple/failures.json``).
"""

import pytest

import fluxsim
import fluxsim.job as fj
from fluxsim.fsd import fsd_parse_duration
from fluxsim.testexec import TESTCONF_ERROR
from fluxsim.trace import TraceJob, Workload, replay


def events(h, jobid):
    return [e for e in fj.event_watch(h, jobid) if e.name not in ("submit", "validate", "depend")]


def assert_all_free(inst):
    pool = inst.pool
    assert (pool.ncores_free, pool.ngpus_free) == (pool.ncores, pool.ngpus)


@pytest.mark.parametrize(
    "cores, request_, names, note",
    [
        (4, dict(num_tasks=6, cores_per_task=2, num_nodes=1, exclusive=True),
         ["priority", "alloc", "start", "finish", "release", "free", "clean"], None),
        (2, dict(num_tasks=16, num_nodes=3, exclusive=True),
         ["priority", "alloc", "start", "exception", "finish", "release", "free", "clean"],
         "node0 (ranks 0) terminated before first barrier"),
    ],
    ids=["one-shell", "three-shells"],
)
def test_a_layout_the_shell_cannot_make_fails_the_job(cores, request_, names, note):
    # layouts recorded on sched-simple (Fluxion places these elsewhere)
    with fluxsim.start(nnodes=3, cores_per_node=cores, scheduler="sched-simple") as inst:
        h = fluxsim.Flux(inst.uri)
        jobid = fj.submit(h, fj.JobspecV1.from_command(["true"], **request_))
        got = events(h, jobid)
        assert [e.name for e in got] == names
        assert got[names.index("finish")].context["status"] == 256
        if note:
            exc = got[names.index("exception")].context
            assert (exc["type"], exc["severity"], exc["note"]) == ("exec", 0, note)
        assert_all_free(inst)


@pytest.mark.parametrize("test", [{"run_duration": 5}, {"run_duration": [1]}, [1],
                                  {"run_duration": "1s", "wait_status": "1"}])
@pytest.mark.parametrize("clock", ["real", "virtual"])
def test_a_malformed_exec_test_fails_at_init(clock, test):
    with fluxsim.start(nnodes=1, cores_per_node=2, clock=clock) as inst:
        h = fluxsim.Flux(inst.uri)
        spec = fj.JobspecV1.from_command(["true"], num_tasks=1)
        spec.setattr("system.exec.test", test)
        jobid = fj.submit(h, spec)
        got = events(h, jobid)
        assert [e.name for e in got] == ["priority", "alloc", "exception", "release", "free", "clean"]
        assert got[2].context["note"] == TESTCONF_ERROR
        assert_all_free(inst)


@pytest.mark.parametrize("mode", ["fast", "instance"])
def test_replay_fails_a_malformed_exec_test_like_the_instance(mode):
    spec = fj.JobspecV1.from_command(["true"], num_tasks=1, duration=10).jobspec
    spec["attributes"]["system"]["exec"] = {"test": {"run_duration": 5}}
    result = replay(Workload([TraceJob("1", 0.0, spec)]), nnodes=1, cores_per_node=1, mode=mode)
    (rec,) = result.records
    assert (rec.start, rec.end, rec.status, rec.exception, rec.result) == (
        0.0, 0.0, None, "exec", "FAILED")


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("10", 10.0), ("1.5m", 90.0), ("2h", 7200.0), ("1d", 86400.0), ("250ms", 0.25),
        ("", 0.0),          # strtod reads nothing: 0, and no unit follows
        (" 5", 5.0),        # strtod skips leading space
        ("1e1s", 10.0), ("0x10", 16.0), ("inf", float("inf")), ("infinity", float("inf")),
        ("5 ", None),       # a trailing space is an unknown unit
        ("1_000", None), ("-1", None), ("nan", None), ("infs", None), ("2x", None),
        ("10s", 10.0), ("007s", 7.0),  # decimal, not octal
        ("s", 0.0),         # strtod reads nothing: 0, then the unit
        ("1" * 400 + "s", None),  # strtod overflows to infinity: no unit after it
        ("\u0661\u0662s", None), ("\uff11\uff12s", None),  # the C locale's digits only
        ("\u00a05", None),  # and its spaces
    ],
)
def test_fsd_parse_duration_follows_the_c_rules(text, seconds):
    assert fsd_parse_duration(text) == seconds


def test_a_far_time_limit_does_not_stop_the_broker():
    """A duration of 1e300 s sets a timer no selector can wait for in one go."""
    # sched-simple: Fluxion refuses a duration past its graph's end (a match error)
    with fluxsim.start(nnodes=1, cores_per_node=1, scheduler="sched-simple") as inst:
        h = fluxsim.Flux(inst.uri)
        spec = fj.JobspecV1.from_command(["true"], num_tasks=1)
        spec.setattr("system.duration", 1e300)
        spec.setattr("system.exec.test", {"run_duration": "0.05s"})
        jobid = fj.submit(h, spec)
        assert fj.event_wait(h, jobid, "clean").name == "clean"
        assert inst.running and inst._thread.is_alive()
        assert_all_free(inst)
