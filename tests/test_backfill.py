"""BackfillScheduler: flux-core 0.88 sched-backfill (EASY) on a fluxsim Instance.

The expected values follow sched-backfill's documented rules: the blocked
head's shadow time is the earliest end time (now + duration) of running
jobs after which it fits; a later job starts now only if it has a duration,
``now + duration <= shadow`` and it fits; jobs without a duration are never
backfilled; a running job without a duration never ends as far as the
shadow computation knows.
"""

import pytest

import fluxsim
from fluxsim.job import JobID
from fluxsim.scheduler import POLICIES
from fluxsim.scheduler.backfill import BackfillScheduler
from fluxsim.trace.workload import jobspec


def submit(inst, cores=None, nodes=None, limit=0.0, run=None, urgency=16):
    spec = jobspec(ncores=cores, nnodes=nodes, cores_per_node=4, duration=limit, run_duration=run)
    return inst.submit(spec, urgency=urgency)


@pytest.fixture
def inst():
    instance = fluxsim.start(nnodes=2, cores_per_node=4, clock="virtual", policy="backfill")
    yield instance
    instance.shutdown()


def test_registered_as_backfill():
    assert POLICIES["backfill"] is BackfillScheduler
    assert BackfillScheduler.queue_depth is None  # sched-backfill: unlimited


def test_shadow_is_the_end_time_after_which_the_head_fits(inst):
    with inst.lock:
        submit(inst, cores=4, limit=30, run=30)  # rank 0 until 30
        submit(inst, cores=3, limit=50, run=50)  # rank 1 until 50
        head = submit(inst, cores=6, limit=10, run=10)
    inst.run(until=0)
    sched = inst.scheduler
    # 6 cores: at 30, 4 + 1 free; at 50, 8: the shadow is 50
    assert sched._shadow_time(head, inst.now) == 50.0


@pytest.mark.parametrize(
    "limit, backfilled",
    [(20, True), (50, True), (51, False), (0, False)],
)
def test_backfill_rule(inst, limit, backfilled):
    with inst.lock:
        submit(inst, cores=4, limit=30, run=30)
        submit(inst, cores=3, limit=50, run=50)
        submit(inst, cores=6, limit=10, run=10)
        late = submit(inst, cores=1, limit=limit, run=5)
    inst.run(until=0)
    assert (late.R is not None) == backfilled
    if backfilled:
        alloc = [e for e in late.eventlog if e.name == "alloc"][0]
        sched = alloc.context["annotations"]["sched"]
        assert sched["resource_summary"] == "rank1/core3"
        assert sched["backfill"] == JobID(inst.scheduler.queue.head().id).f58


def test_no_backfill_without_a_shadow(inst):
    with inst.lock:
        submit(inst, cores=8, limit=0, run=100)  # no end time known
        submit(inst, cores=4, limit=10, run=10)
        late = submit(inst, cores=1, limit=1, run=1)
    inst.run(until=0)
    assert late.R is None
    inst.run()
    # it waits for the head, then fits beside it
    assert late.t_run == 100.0


def test_infeasible_candidate_is_denied_when_tried(inst):
    with inst.lock:
        submit(inst, cores=4, limit=30, run=30)
        submit(inst, cores=3, limit=50, run=50)
        submit(inst, cores=6, limit=10, run=10)
        huge = submit(inst, cores=64, limit=5, run=5)
    inst.run(until=0)
    assert huge.exception is not None
    assert huge.exception.context["type"] == "alloc"
    assert huge.exception.context["note"].startswith("unsatisfiable request")


def test_head_first_then_the_next_head(inst):
    with inst.lock:
        jobs = [submit(inst, cores=4, limit=10, run=10) for _ in range(3)]
    inst.run()
    assert [job.t_run for job in jobs] == [0.0, 0.0, 10.0]


def test_new_jobs_only_pass_gives_the_same_decisions(inst):
    # A job arriving later, with nothing else changed, is judged against the
    # same shadow: 20 + 25 > 40 is refused, 20 + 20 <= 40 is backfilled.
    with inst.lock:
        submit(inst, cores=7, limit=40, run=40)
        submit(inst, cores=8, limit=10, run=10)
    inst.run(until=20)
    with inst.lock:
        refused = submit(inst, cores=1, limit=25, run=5)
    inst.run(until=20)
    assert refused.R is None
    with inst.lock:
        taken = submit(inst, cores=1, limit=20, run=5)
    inst.run(until=20)
    assert taken.t_run == 20.0
    assert inst.scheduler.stats["backfilled"] == 1
