"""What must hold in a fluxsim instance at any moment, checked by the property tests.

- The pool: every core and GPU of every rank is either free or held by
  exactly one allocation; the allocations are exactly those of the jobs in
  RUN or CLEANUP; the ranks the pool schedules on are those neither drained
  nor offline.
- The jobs: an inactive job's eventlog ends in ``clean`` and it has a
  result; a pending job holds nothing.
- At rest (a virtual clock run to idle): a job still pending is held, or
  waits for resources that are busy, drained or down; a job still running
  is one that mock execution never ends.

Call these with the instance lock free: they take it.
"""

from fluxsim.constants import FLUX_JOB_URGENCY_HOLD, Result, State
from fluxsim.testexec import TestconfError, exec_plan

__all__ = ["check_pool", "check_jobs", "check_at_rest", "check_all_done", "FLUX_ERRORS"]

#: What a call into fluxsim's Flux API may raise: Flux's errors (OSError and
#: its subclasses: PermissionError, FileNotFoundError, TimeoutError, ...).
FLUX_ERRORS = (OSError,)


def check_pool(inst):
    """No core or GPU is double-allocated or leaked (see the module docstring)."""
    with inst.lock:
        pool = inst.pool
        topo = pool._topo
        nranks = len(topo.rank)
        held_cores = [0] * nranks
        held_gpus = [0] * nranks
        for jobid, (_R, selected) in pool._jobs.items():
            for pos, cores, gpus in selected:
                assert not held_cores[pos] & cores, f"core double-allocated to {jobid}"
                assert not held_gpus[pos] & gpus, f"GPU double-allocated to {jobid}"
                held_cores[pos] |= cores
                held_gpus[pos] |= gpus
        status = inst.resources
        for pos, rank in enumerate(topo.rank):
            free_cores, free_gpus = pool._free_cores[pos], pool._free_gpus[pos]
            assert not held_cores[pos] & free_cores, f"rank {rank}: a held core is free"
            assert not held_gpus[pos] & free_gpus, f"rank {rank}: a held GPU is free"
            assert held_cores[pos] | free_cores == topo.cores[pos], f"rank {rank}: core leaked"
            assert held_gpus[pos] | free_gpus == topo.gpus[pos], f"rank {rank}: GPU leaked"
            assert pool._nfree_cores[pos] == free_cores.bit_count()
            assert pool._nfree_gpus[pos] == free_gpus.bit_count()
            usable = rank not in status.drained and rank not in status.offline
            assert pool._up[pos] == usable, f"rank {rank}: pool up={pool._up[pos]}"
        # every up rank is in its bucket, but for those below the pool's least
        # key (sched-simple's pool leaves out ranks without a free core)
        in_buckets = sorted(pos for bucket in pool._buckets.values() for pos in bucket)
        assert in_buckets == [pos for pos in range(nranks)
                              if pool._up[pos] and pool._key(pos) >= pool._least_key]
        for key, bucket in pool._buckets.items():
            assert all(pool._key(pos) == key for pos in bucket)
        assert pool._keys == sorted(pool._buckets)
        jobs = inst.jobmanager.jobs.values()
        running = {job.id: job for job in jobs if job.state & State.RUNNING}
        assert set(pool._jobs) == set(running), "allocations are not the running jobs'"
        for jobid, job in running.items():
            assert job.R is pool._jobs[jobid][0]
        # the sum rule: held by running jobs + free (up or down) == total
        held = sum(job.R.ncores for job in running.values())
        assert held + sum(c.bit_count() for c in pool._free_cores) == pool.ncores
        used = getattr(inst.scheduler, "_used", None)
        if used is not None:  # conservative's own per-rank accounting
            for pos in range(nranks):
                assert used[pos] == [held_cores[pos].bit_count(), held_gpus[pos].bit_count()]


def check_jobs(inst):
    """Inactive jobs end in ``clean`` and have a result; pending jobs hold nothing."""
    with inst.lock:
        for job in inst.jobmanager.jobs.values():
            if job.state == State.INACTIVE:
                assert job.eventlog[-1].name == "clean", [e.name for e in job.eventlog]
                assert Result(job.result_dict()["result"])
                assert job.exec is None
            elif job.state & State.PENDING:
                assert job.R is None


def _never_ends(job):
    try:
        plan = exec_plan(job.jobspec, virtual=True)
    except TestconfError:
        return False
    return plan.override or plan.run_duration == 0


def check_at_rest(inst):
    """A virtual-clock instance with no events left: why each active job is still active."""
    with inst.lock:
        pool = inst.pool
        busy = bool(pool._jobs) or not all(pool._up)
        for job in inst.jobmanager.jobs.values():
            if job.state & State.PENDING:
                held = job.urgency == FLUX_JOB_URGENCY_HOLD
                assert held or busy, f"job {job.id} pending on an idle, all-up pool"
            elif job.state & State.RUNNING:
                assert job.state == State.RUN and _never_ends(job), job.jobspec


def check_all_done(inst):
    """Every job inactive and the whole pool free."""
    check_jobs(inst)
    check_pool(inst)
    with inst.lock:
        active = [job.id for job in inst.jobmanager.jobs.values() if job.active]
        assert not active
        assert not inst.pool._jobs
