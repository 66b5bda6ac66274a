"""fluxsim against real Flux on the same job stream: placement and start order.

``conformance/golden/trace_fidelity_<policy>.json`` holds what flux-core
0.88 did with a stream (fake resources, mock execution with whole-second
run durations, every job submitted before the scheduler was loaded):
for each job its position in start order and its R_lite.  It is written by
``benchmarks/trace_fidelity.py --record``; fluxsim must place every job
identically and start them in the same order.
"""

import json
from pathlib import Path

import pytest

from fluxsim.trace import TraceJob, Workload, jobspec, replay

GOLDEN = Path(__file__).resolve().parents[1] / "conformance" / "golden"
FILES = sorted(GOLDEN.glob("trace_fidelity_*.json"))


def workload(stream, cores_per_node):
    jobs = []
    for i, e in enumerate(stream):
        if "nodes" in e:
            spec = jobspec(nnodes=e["nodes"], cores_per_node=cores_per_node,
                           duration=e["duration"], run_duration=e["run_duration"])
        else:
            spec = jobspec(ncores=e["cores"], duration=e["duration"],
                           run_duration=e["run_duration"])
        jobs.append(TraceJob(i, 0.0, spec))
    return Workload(jobs)


@pytest.mark.skipif(not FILES, reason="no trace fidelity golden data recorded")
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
@pytest.mark.parametrize("mode", ["fast", "instance"])
def test_same_placement_and_start_order_as_real_flux(path, mode):
    golden = json.loads(path.read_text())
    shape = golden["resources"]
    w = workload(golden["stream"], shape["cores_per_node"])
    result = replay(w, nnodes=shape["nnodes"], cores_per_node=shape["cores_per_node"],
                    policy=golden["policy"], mode=mode)
    got = [
        (rec.order, rec.R.to_dict()["execution"]["R_lite"] if rec.R else None)
        for rec in result.records
    ]
    want = [(job["order"], job["R_lite"]) for job in golden["jobs"]]
    assert got == want
