"""Random operation sequences keep an instance consistent (property tests).

On small random resource shapes, any sequence of submit, cancel, kill,
exception (fatal or not), urgency, drain/undrain, down/up and the passing of
time leaves the instance consistent after every step (see
``tests/invariants.py``: no core or GPU double-allocated or leaked, inactive
jobs with results and eventlogs ending in ``clean``), and raises nothing but
Flux's errors.  Drain and undrain fail as Flux's do: EINVAL for a rank out of
range, EEXIST for a rank already drained (or not drained).  Every policy
runs on the virtual clock; fewer sequences run on the real clock, with
briefly mock-executed jobs and a few real ``true`` processes.
"""

import errno
import json

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import fluxsim
import fluxsim.job
from fluxsim.constants import State
from fluxsim.resource import idset
from invariants import FLUX_ERRORS, check_all_done, check_at_rest, check_jobs, check_pool
from strategies import OUT_OF_RANGE, examples, operations, shapes

POLICIES = ["fifo", "backfill", "conservative", "fluxion"]
UNKNOWN_JOB = 0x1234  # an id no instance gives out this early


def _expected_errno(inst, name, ranks):
    """The errno Flux answers a drain or undrain of ``ranks`` with (None: success)."""
    if any(rank >= inst.R.nnodes for rank in ranks):
        return errno.EINVAL
    drained = inst.drained
    if name == "drain" and any(rank in drained for rank in ranks):
        return errno.EEXIST
    if name == "undrain" and any(rank not in drained for rank in ranks):
        return errno.EEXIST
    return None


def _drain_or_undrain(inst, h, name, ranks, via):
    expected = _expected_errno(inst, name, ranks)
    try:
        if via == "rpc":
            payload = {"targets": idset.encode(ranks)}
            if name == "drain":
                payload["reason"] = "property test"
            h.rpc(f"resource.{name}", payload).get()
        elif name == "drain":
            inst.drain(ranks, reason="property test")
        else:
            inst.undrain(ranks)
    except OSError as exc:
        assert exc.errno == expected, (name, ranks, exc)
        event(f"{name}: {errno.errorcode[exc.errno]}")
    else:
        assert expected is None, (name, ranks)
        event(f"{name}: ok")


def _ranks(inst, ranks):
    size = inst.R.nnodes
    return sorted({size if rank == OUT_OF_RANGE else rank % size for rank in ranks})


def _target(inst, jobs, index):
    """The job an operation acts on: an even index picks among the active
    jobs (where there are any), an odd one among all."""
    if not jobs:
        return UNKNOWN_JOB
    with inst.lock:
        active = [j for j in jobs if j in inst.jobmanager.jobs and inst.jobmanager.jobs[j].active]
    pool = active if active and index % 2 == 0 else jobs
    return pool[index // 2 % len(pool)]


def _apply(inst, h, jobs, waitable, op, advance):
    """Do ``op``; raise only Flux's errors (or an assertion about one).

    ``jobs`` and the set ``waitable`` collect the ids submitted.
    """
    name = op[0]
    if name in ("drain", "undrain", "down", "up"):
        op = (name, _ranks(inst, op[1])) + op[2:]
    if name == "submit":
        jobid = fluxsim.job.submit(h, json.dumps(op[1]), urgency=op[2], waitable=op[3])
        jobs.append(jobid)
        if op[3]:
            waitable.add(jobid)
        return
    if name in ("drain", "undrain"):
        _drain_or_undrain(inst, h, name, op[1], op[2])
        return
    if name == "advance":
        advance(op[1])
        return
    try:
        if name in ("down", "up"):
            getattr(inst, name)(op[1])
            return
        jobid = _target(inst, jobs, op[1])
        if name == "cancel":
            fluxsim.job.cancel(h, jobid)
        elif name == "kill":
            fluxsim.job.kill(h, jobid, op[2])
        elif name == "raise":
            fluxsim.job.job_raise(h, jobid, op[3], op[2], "property test")
        elif name == "urgency":
            h.rpc("job-manager.urgency", {"id": jobid, "urgency": op[2]}).get()
    except FLUX_ERRORS as exc:
        event(f"{name}: {type(exc).__name__} {errno.errorcode.get(exc.errno, '-')}")
    else:
        event(f"{name}: ok")


def _check(inst):
    check_pool(inst)
    check_jobs(inst)


#: ``(inactive_age_limit, inactive_num_limit)``: none, or purges of inactive jobs.
PURGE_LIMITS = [(None, None), (None, None), ("1s", None), (None, 2), ("0s", 0)]


@pytest.mark.parametrize("policy", POLICIES)
@examples(100)
@given(shape=shapes, ops=st.lists(operations(), min_size=5, max_size=30),
       purge=st.sampled_from(PURGE_LIMITS))
def test_operations_on_a_virtual_instance(policy, shape, ops, purge):
    nnodes, cores, gpus = shape
    with fluxsim.start(nnodes=nnodes, cores_per_node=cores, gpus_per_node=gpus,
                       clock="virtual", policy=policy, inactive_age_limit=purge[0],
                       inactive_num_limit=purge[1]) as inst:
        h = fluxsim.Flux(inst.uri)
        jobs, waitable = [], set()
        cleaned = set()
        inst.jobmanager.listeners.append(
            lambda job, entry: entry.name == "clean" and cleaned.add(job.id))

        def check():
            _check(inst)
            # only inactive jobs are purged
            assert not {j for j in jobs if j not in inst.jobmanager.jobs} - cleaned

        def advance(dt):
            inst.run(until=inst.now + dt)

        for op in ops:
            _apply(inst, h, jobs, waitable, op, advance)
            check()
        inst.run()
        check()
        check_at_rest(inst)
        _finish(inst, h, jobs)
        inst.run()
        check()
        check_all_done(inst)
        assert cleaned == set(jobs)
        for jobid in jobs:
            if jobid in inst.jobmanager.jobs:
                event(f"result: {fluxsim.job.result(h, jobid).result}")
            else:
                event("purged")
        for jobid in waitable:  # purged or not (job-manager's zombies)
            assert fluxsim.job.wait(h, jobid).jobid == jobid


def _finish(inst, h, jobs):
    """Bring every rank back and cancel every job still active."""
    inst.up(range(inst.R.nnodes))
    if inst.drained:
        inst.undrain(sorted(inst.drained))
    for jobid in jobs:
        try:
            fluxsim.job.cancel(h, jobid)
        except FileNotFoundError:  # job_raise's ENOENT: the job is inactive
            pass


@examples(30)
@given(shape=shapes, ops=st.lists(operations(real=True), min_size=3, max_size=15))
def test_operations_on_a_real_instance(shape, ops):
    nnodes, cores, gpus = shape
    with fluxsim.start(nnodes=nnodes, cores_per_node=cores, gpus_per_node=gpus) as inst:
        h = fluxsim.Flux(inst.uri)
        jobs, waitable = [], set()

        def advance(dt):
            # let wall time pass: wait for the newest job, briefly
            if jobs:
                try:
                    fluxsim.job.result_async(h, jobs[-1]).wait_for(min(dt, 1) / 10)
                except TimeoutError:
                    pass

        for op in ops:
            _apply(inst, h, jobs, waitable, op, advance)
            _check(inst)
        _finish(inst, h, jobs)
        for jobid in jobs:
            fluxsim.job.result_async(h, jobid).wait_for(10)
        for jobid in waitable:
            assert fluxsim.job.wait(h, jobid).jobid == jobid
        assert inst.running, "the broker thread died"
        check_all_done(inst)
        with inst.lock:
            assert all(job.state == State.INACTIVE for job in inst.jobmanager.jobs.values())
