"""One scheduler interface: a policy written once runs in the instance and the replay.

The policy here is deliberately not one of fluxsim's: smallest request
first, no backfill.  Registered in ``POLICIES``, it must drive a live
instance and both replay engines without any other change, and the engines
must agree job for job.  Also: node loss through the resource status.
"""

import pytest

import fluxsim
import fluxsim.job as fj
from fluxsim.resource.pool import InfeasibleRequest, InsufficientResources
from fluxsim.scheduler import POLICIES, Scheduler
from fluxsim.trace import TraceJob, Workload, jobspec, replay
from fluxsim.trace.faults import Fault


class SmallestFirst(Scheduler):
    """Try the request with the fewest cores first; stop at the first that does not fit."""

    name = "smallest-first"

    def __init__(self, host, R, queue_depth=None):
        super().__init__(host, R, queue_depth)
        self.pending = {}

    def enqueue(self, job):
        self.pending[job.id] = job

    def dequeue(self, job):
        self.pending.pop(job.id, None)

    def schedule(self):
        for job in sorted(self.pending.values(), key=lambda j: (j.request.ncores, j.id)):
            try:
                R = self.pool.alloc(job.id, job.request, self.host.timestamp())
            except InsufficientResources:
                return
            except InfeasibleRequest as exc:
                del self.pending[job.id]
                self.deny(job, str(exc))
                continue
            del self.pending[job.id]
            self.success(job, R)


@pytest.fixture
def smallest_first():
    POLICIES[SmallestFirst.name] = SmallestFirst
    yield SmallestFirst.name
    del POLICIES[SmallestFirst.name]


def workload():
    jobs = [TraceJob(str(i), float(t), jobspec(ncores=n, duration=d, run_duration=r))
            for i, (t, n, d, r) in enumerate(
                [(0, 4, 10, 10), (1, 3, 10, 5), (1, 1, 10, 2), (2, 2, 20, 20), (2, 9, 10, 1)])]
    return Workload(jobs)


def test_a_new_policy_runs_in_both_replay_engines_alike(smallest_first):
    fast = replay(workload(), nnodes=2, cores_per_node=2, policy=smallest_first, mode="fast")
    full = replay(workload(), nnodes=2, cores_per_node=2, policy=smallest_first, mode="instance")
    assert [r.key() for r in fast.records] == [r.key() for r in full.records]
    # smallest first: the 1-core job (submitted at 1) starts before the 3-core one
    by_name = {r.name: r for r in fast.records}
    assert by_name["2"].start < by_name["1"].start
    assert by_name["4"].result == "FAILED" and by_name["4"].exception == "alloc"


def test_a_new_policy_runs_in_a_live_instance(smallest_first):
    with fluxsim.start(nnodes=1, cores_per_node=2, clock="virtual", policy=smallest_first) as inst:
        h = fluxsim.Flux(inst.uri)

        def submit(ncores):
            spec = fj.JobspecV1.from_command(["true"], num_tasks=ncores)
            spec.setattr("system.exec.test", {"run_duration": "10s"})
            return fj.submit(h, spec)

        first, big, small = submit(2), submit(2), submit(1)
        inst.run(until=10.5)
        assert fj.job_list_id(h, small).get_jobinfo().state == "RUN"
        assert fj.job_list_id(h, big).get_jobinfo().state == "SCHED"
        assert fj.job_list_id(h, first).get_jobinfo().state == "INACTIVE"


def test_unknown_policy_names_the_valid_ones():
    with pytest.raises(ValueError, match="valid policies: backfill, conservative, fifo"):
        fluxsim.start(nnodes=1, cores_per_node=1, policy="lifo")


def test_a_lost_node_fails_the_jobs_running_there_and_no_others():
    with fluxsim.start(nnodes=3, cores_per_node=1, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        spec = fj.JobspecV1.from_command(["true"], num_tasks=1)
        spec.setattr("system.exec.test", {"run_duration": "100s"})
        ids = [fj.submit(h, spec) for _ in range(3)]
        inst.run(until=1)
        ranks = {jobid: int(fj.job_list_id(h, jobid).get_jobinfo().ranks) for jobid in ids}
        inst.down([1])
        inst.run(until=2)
        for jobid, rank in ranks.items():
            info = fj.job_list_id(h, jobid).get_jobinfo()
            if rank == 1:
                assert info.state == "INACTIVE"
                exc = [e for e in fj.event_watch(h, jobid) if e.name == "exception"][0].context
                assert exc["note"] == "node failure on node1 (rank 1)"
            else:
                assert info.state == "RUN"
        # nothing new runs on the lost rank until it is up again
        late = fj.submit(h, spec)
        inst.run(until=3)
        assert fj.job_list_id(h, late).get_jobinfo().state == "SCHED"
        inst.up([1])
        inst.run(until=4)
        assert fj.job_list_id(h, late).get_jobinfo().ranks == "1"


def test_replay_engines_agree_on_faults():
    faults = [Fault(3, "down", "0"), Fault(5, "drain", "1"), Fault(8, "up", "0"),
              Fault(9, "undrain", "1")]
    fast = replay(workload(), nnodes=2, cores_per_node=2, faults=faults, mode="fast")
    full = replay(workload(), nnodes=2, cores_per_node=2, faults=faults, mode="instance")
    assert [r.key() for r in fast.records] == [r.key() for r in full.records]
    assert any(r.exception == "exec" for r in fast.records)
