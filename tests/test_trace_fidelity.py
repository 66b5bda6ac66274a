"""fluxsim against real Flux on the same job stream: placement and start order.

``conformance/golden/trace_fidelity_<config>.json`` holds what real Flux
did with a stream of jobs (fake resources, mock execution with
whole-second run durations): for each job its position in start order and
its R_lite.  It is written by ``benchmarks/trace_fidelity.py --record``:

- ``trace_fidelity_fifo.json``, ``trace_fidelity_backfill.json``: flux-core
  0.88's sched-simple and sched-backfill, every job submitted before the
  scheduler was loaded;
- ``trace_fidelity_fluxion_<match>_<queue>.json``: Fluxion (flux-sched
  0.54) with that match and queue policy (the file's ``config``), every job
  submitted while a blocker (stream entry 0, cancelled at 1 s) held the
  whole instance; no two jobs end in the same second, and each job's R
  starttime, in seconds of the stream, is recorded too.

fluxsim, given the file's scheduler and configuration, must place every job
identically and start them in the same order, on both replay engines; for
Fluxion also in the same second and with the same result.
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
        jobs.append(TraceJob(i, 0.0, spec, cancel_at=e.get("cancel_at")))
    return Workload(jobs)


def scheduler_of(golden):
    """``replay()`` arguments for the scheduler and configuration a file was recorded with."""
    if golden.get("scheduler") == "fluxion":
        return {"scheduler": "fluxion", "config": golden["config"]}
    return {"policy": golden["policy"]}


def outcome(golden, index, rec):
    """What must agree for one job: start order and R_lite (Fluxion: start second, result)."""
    R_lite = rec.R.to_dict()["execution"]["R_lite"] if rec.R else None
    if golden.get("scheduler") != "fluxion":
        return {"order": rec.order, "R_lite": R_lite}
    # the blocker started before the stream's time 0, when the jobs were submitted
    blocker = "cancel_at" in golden["stream"][index]
    start = None if blocker else rec.start
    return {"order": rec.order, "R_lite": R_lite, "starttime": start, "result": rec.result}


@pytest.mark.skipif(not FILES, reason="no trace fidelity golden data recorded")
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
@pytest.mark.parametrize("mode", ["fast", "instance"])
def test_same_placement_and_start_order_as_real_flux(path, mode):
    golden = json.loads(path.read_text())
    shape = golden["resources"]
    w = workload(golden["stream"], shape["cores_per_node"])
    result = replay(w, nnodes=shape["nnodes"], cores_per_node=shape["cores_per_node"],
                    mode=mode, **scheduler_of(golden))
    got = [outcome(golden, i, rec) for i, rec in enumerate(result.records)]
    want = [{key: job[key] for key in got[0]} for job in golden["jobs"]]
    assert len(got) == len(want)
    differ = [i for i in range(len(want)) if got[i] != want[i]]
    assert not differ, (
        f"{len(differ)} of {len(want)} jobs differ from real Flux; first, job "
        f"{differ[0]} ({golden['stream'][differ[0]]}): real {want[differ[0]]}, "
        f"fluxsim {got[differ[0]]}"
    )
