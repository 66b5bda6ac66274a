"""Inactive-job purge (job-manager's ``inactive-age-limit`` / ``inactive-num-limit``).

Expected outcomes were recorded from flux-core 0.88.0 (a ``flux start`` with
``[job-manager] inactive-num-limit = 1`` and three finished mock jobs, the
first waitable): a purged job is unknown to every lookup, except that a
waitable job can still be waited for; the ``job-manager.purge`` RPC answers
with its count or purge.c's errors.
"""

import errno

import pytest

import fluxsim
import fluxsim.job as fj
from fluxsim.jobmanager import HEARTBEAT_PERIOD, PURGE_BATCH_MAX


def mock(run="1s"):
    spec = fj.JobspecV1.from_command(["true"], num_tasks=1)
    spec.setattr("system.exec.test", {"run_duration": run})
    return spec


@pytest.fixture
def purged():
    """Three jobs finished on an instance that keeps one inactive job; the first is purged."""
    inst = fluxsim.start(nnodes=1, cores_per_node=4, clock="virtual", inactive_num_limit=1)
    h = fluxsim.Flux(inst.uri)
    ids = [fj.submit(h, mock(), waitable=(i == 0)) for i in range(3)]
    inst.run()
    yield inst, h, ids
    inst.shutdown()


def test_purge_keeps_the_newest_inactive_jobs(purged):
    inst, h, ids = purged
    assert [j["id"] for j in fj.job_list(h).get_jobs()] == [ids[2]]
    assert set(inst.jobmanager.jobs) == {ids[2]}


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda h, j: list(fj.event_watch(h, j)), FileNotFoundError, "No such file or directory"),
        (lambda h, j: fj.job_list_id(h, j).get_jobinfo(), FileNotFoundError,
         "No such file or directory"),
        (lambda h, j: fj.result(h, j), FileNotFoundError, "ENOENT: No such file or directory"),
        (lambda h, j: h.rpc("job-manager.urgency", {"id": j, "urgency": 3}).get(), OSError,
         "unknown job"),
        (lambda h, j: fj.cancel(h, j), FileNotFoundError, "unknown job id"),
    ],
    ids=["event_watch", "job_list_id", "result", "urgency", "cancel"],
)
def test_a_purged_job_is_unknown(purged, call, error, message):
    _inst, h, ids = purged
    with pytest.raises(error) as info:
        call(h, ids[1])
    assert info.value.strerror == message


def test_get_job_of_a_purged_job_is_none(purged):
    _inst, h, ids = purged
    assert fj.get_job(h, ids[1]) is None


def test_a_purged_waitable_job_can_still_be_waited_for(purged):
    _inst, h, ids = purged
    status = fj.wait(h, ids[0])
    assert (status.jobid, status.success) == (ids[0], True)


def test_purge_waits_for_the_heartbeat():
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual", inactive_num_limit=0) as inst:
        h = fluxsim.Flux(inst.uri)
        jobid = fj.submit(h, mock("0.5s"))
        inst.run(until=0.5 + 1e-6)
        assert jobid in inst.jobmanager.jobs  # inactive, not yet purged
        inst.run(until=HEARTBEAT_PERIOD + 1e-6)
        assert jobid not in inst.jobmanager.jobs


def test_age_limit_purges_at_the_first_heartbeat_past_the_limit():
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual", inactive_age_limit="3s") as inst:
        h = fluxsim.Flux(inst.uri)
        jobid = fj.submit(h, mock("1s"))
        inst.run(until=1 + 3)  # inactive at 1 s, age 3 s: not *older* than the limit yet
        assert jobid in inst.jobmanager.jobs
        inst.run()
        assert jobid not in inst.jobmanager.jobs
        assert inst.now == 2 * HEARTBEAT_PERIOD + HEARTBEAT_PERIOD  # the beat after 4 s


def test_a_heartbeat_purges_at_most_one_batch():
    n = PURGE_BATCH_MAX + 20
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual", inactive_num_limit=0) as inst:
        h = fluxsim.Flux(inst.uri)
        for _ in range(n):
            fj.submit(h, mock("0.001s"))
        inst.run(until=1.0)
        assert len(inst.jobmanager.jobs) == n
        inst.run(until=HEARTBEAT_PERIOD + 1e-6)
        assert len(inst.jobmanager.jobs) == n - PURGE_BATCH_MAX
        inst.run()
        assert not inst.jobmanager.jobs


def test_no_limits_keep_every_job():
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        ids = [fj.submit(h, mock("0.001s")) for _ in range(5)]
        inst.run()
        assert set(inst.jobmanager.jobs) == set(ids)


@pytest.mark.parametrize(
    "payload, outcome",
    [
        ({"age_limit": -1.0, "num_limit": 0, "batch": 50, "force": False}, {"count": 2}),
        ({"age_limit": -1.0, "num_limit": 1, "batch": 50, "force": True}, {"count": 1}),
        ({"age_limit": -1.0, "num_limit": 0, "batch": 500, "force": False},
         (errno.EINVAL, "batch must be >= 1 and <= 100")),
        ({"age_limit": -3.0, "num_limit": 0, "batch": 5, "force": False},
         (errno.EINVAL, "if set, age limit must be >= 0")),
        ({"age_limit": -1.0, "num_limit": -2, "batch": 5, "force": False},
         (errno.EINVAL, "if set, num limit must be >= 0")),
        ({"age_limit": -1.0, "num_limit": 0, "batch": 5}, (errno.EPROTO, "Protocol error")),
    ],
    ids=["count", "force", "batch-too-large", "negative-age", "negative-num", "missing-force"],
)
def test_purge_rpc(payload, outcome):
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        for _ in range(2):
            fj.submit(h, mock("0.001s"))
        inst.run()
        future = h.rpc("job-manager.purge", payload)
        if isinstance(outcome, dict):
            assert future.get() == outcome
        else:
            with pytest.raises(OSError) as info:
                future.get()
            assert (info.value.errno, info.value.strerror) == outcome


@pytest.mark.parametrize(
    "table, message",
    [
        ({"inactive-age-limit": "1x"}, "job-manager.inactive-age-limit: invalid FSD"),
        ({"inactive-age-limit": 5}, "job-manager.max-inactive-*: Expected string, got integer"),
        ({"inactive-num-limit": -5}, "job-manager.inactive-num-limit: must be >= 0"),
        ({"inactive-num-limit": "5"}, "job-manager.max-inactive-*: Expected integer, got string"),
    ],
)
def test_bad_purge_config_is_refused_with_job_managers_message(table, message):
    with pytest.raises(ValueError, match=f"^{message.replace('*', '[*]')}$"):
        fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual", config={"job-manager": table})


@pytest.mark.parametrize(
    "table, message",
    [
        ({"period": "x"}, "error parsing heartbeat.period FSD value"),
        ({"period": "0"}, "heartbeat.period must be a positive FSD value"),
        ({"period": 2}, "error reading [heartbeat] config table: Expected string, got integer"),
    ],
)
def test_bad_heartbeat_period_is_refused_with_the_heartbeat_modules_message(table, message):
    with pytest.raises(ValueError) as info:
        fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual", config={"heartbeat": table})
    assert str(info.value) == message


def test_a_shorter_heartbeat_purges_sooner():
    conf = {"heartbeat": {"period": "0.5s"}}
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual", inactive_num_limit=0,
                       config=conf) as inst:
        h = fluxsim.Flux(inst.uri)
        jobid = fj.submit(h, mock("0.1s"))
        inst.run(until=0.5 + 1e-6)
        assert jobid not in inst.jobmanager.jobs
