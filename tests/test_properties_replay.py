"""The two replay engines agree on random workloads (property tests).

``replay(mode="fast")`` and ``replay(mode="instance")`` must give every job
the same record (``JobRecord.key()``: id, start, end, R, status, result) for
every policy, on random small instances, with workloads mixing trace-built
jobs (time limits, run times, exit statuses, exec.test extras such as
``mock_exception`` and ``override``), randomly mutated jobspecs (bad
exec.test sections, unparseable resources, constraints), held (urgency 0)
and expedited (31) jobs, cancels, and random down/up/drain/undrain faults.
"""

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from fluxsim.trace import Fault, TraceJob, Workload, jobspec, replay
from strategies import examples, exec_tests, jobspecs, shapes

POLICIES = ["fifo", "backfill", "conservative", "fluxion"]


@st.composite
def trace_jobspecs(draw):
    """A jobspec as the trace readers build it, sometimes with more exec.test keys."""
    if draw(st.booleans()):
        size = {"ncores": draw(st.integers(1, 8))}
    else:
        size = {"nnodes": draw(st.integers(1, 4)), "cores_per_node": draw(st.integers(1, 4))}
    spec = jobspec(
        **size,
        duration=draw(st.sampled_from([0, 3, 5, 8, 12, 2.5])),
        run_duration=draw(st.one_of(st.none(), st.integers(1, 10), st.just(0.5))),
        wait_status=draw(st.sampled_from([0, 0, 256])),
    )
    extra = draw(st.sampled_from([None, None, "more", "replace"]))
    if extra is not None:
        system = spec["attributes"]["system"]
        # jobspec() shares exec sections between jobs (read-only): change a copy
        section = system.get("exec", {})
        test = dict(section.get("test", {}))
        system["exec"] = {**section, "test": test}
        if extra == "more":
            test.update(draw(st.fixed_dictionaries({}, optional={
                "mock_exception": st.sampled_from(["init", "run", "other"]),
                "override": st.sampled_from([0, 1]),
                "run_duration": st.sampled_from(["0", "inf", "-1", "x", "2s"]),
            })))
        else:
            system["exec"]["test"] = draw(exec_tests)
    return spec


@st.composite
def workloads(draw):
    """A workload of up to 20 jobs, trace-built or randomly mutated."""
    jobs = []
    for i in range(draw(st.integers(1, 20))):
        spec = draw(st.one_of(trace_jobspecs(), trace_jobspecs(), jobspecs()))
        jobs.append(TraceJob(
            str(i),
            draw(st.integers(0, 30)),
            spec,
            urgency=draw(st.sampled_from([16, 16, 0, 31, 1, 30])),
            cancel_at=draw(st.one_of(st.none(), st.none(), st.integers(0, 40))),
        ))
    return Workload(jobs)


@st.composite
def faults(draw, nnodes):
    """Up to 4 faults on ranks the instance has."""
    return [
        Fault(draw(st.integers(0, 40)),
              draw(st.sampled_from(["down", "up", "drain", "undrain"])),
              draw(st.lists(st.integers(0, nnodes - 1), min_size=1, max_size=2, unique=True)))
        for _ in range(draw(st.integers(0, 4)))
    ]


@pytest.mark.parametrize("policy", POLICIES)
@examples(25)
@given(data=st.data())
def test_fast_and_instance_engines_agree_job_for_job(policy, data):
    nnodes, cores, gpus = data.draw(shapes)
    w = data.draw(workloads())
    fs = data.draw(faults(nnodes))
    runs = [replay(w, nnodes=nnodes, cores_per_node=cores, gpus_per_node=gpus,
                   policy=policy, faults=fs, mode=mode) for mode in ("fast", "instance")]
    fast, inst = ([r.key() for r in run.records] for run in runs)
    assert fast == inst
    for record in runs[0].records:
        event(f"result: {record.result}")
        if record.start is not None:
            assert record.start >= record.submit
        if record.end is not None:
            assert record.end >= (record.start if record.start is not None else record.submit)


# -- regressions found by the property above -------------------------------------------------


@pytest.mark.parametrize("version", [[1], {"v": 1}, "1", None])
def test_replay_of_a_jobspec_with_an_odd_version_agrees_in_both_engines(version):
    spec = jobspec(ncores=1, duration=5, run_duration=1)
    spec = dict(spec, version=version)
    w = Workload([TraceJob("0", 0, spec), TraceJob("1", 0, dict(spec))])
    fast, inst = (replay(w, nnodes=1, cores_per_node=1, mode=mode) for mode in ("fast", "instance"))
    assert [r.key() for r in fast.records] == [r.key() for r in inst.records]
    assert all(r.end is not None for r in fast.records)
