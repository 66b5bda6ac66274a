"""job-list's counts of a job that has no resources yet, from its jobspec.

Expected values recorded from flux-core 0.88.0 (``flux.job.get_job`` of a
held job on ``flux start --test-size=2``): ``nnodes`` when the jobspec names
a node count, ``ncores`` unless whole nodes are asked for.
"""

import pytest

import fluxsim
from fluxsim.job import JobspecV1, cancel, get_job, submit

CASES = [
    (dict(num_tasks=4, cores_per_task=2, num_nodes=2), (4, 8, 2)),
    (dict(num_tasks=3, cores_per_task=2), (3, 6, "")),
    (dict(num_tasks=2, num_nodes=2, exclusive=True), (2, "", 2)),
]


@pytest.mark.parametrize("shape, counts", CASES)
def test_held_job_counts(shape, counts):
    with fluxsim.start(nnodes=2, cores_per_node=2, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        jobid = submit(h, JobspecV1.from_command(["true"], **shape), urgency=0)
        job = get_job(h, jobid)
        assert (job["ntasks"], job["ncores"], job["nnodes"]) == counts
        cancel(h, jobid)
