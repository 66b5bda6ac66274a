"""Named queues as job-ingest applies them (messages recorded on flux-core 0.88.0
with ``[queues.batch] requires = ["big"]``, ``[queues.debug] requires = ["small"]``)."""

import errno

import pytest

import fluxsim
import fluxsim.job as fj
from fluxsim.queues import Queues

CONF = {
    "resource": {"noverify": True, "config": [
        {"hosts": "node[0-3]", "cores": "0-3"},
        {"hosts": "node[0-1]", "properties": ["small"]},
        {"hosts": "node[2-3]", "properties": ["big"]},
    ]},
    "queues": {"batch": {"requires": ["big"]}, "debug": {"requires": ["small"]}},
    "sched-fluxion-qmanager": {"queue-policy-per-queue": "batch:easy debug:fcfs"},
}


@pytest.mark.parametrize("queue, message", [
    (None, "no queue specified"),
    ("nope", "Invalid queue 'nope' specified"),
])
def test_a_job_must_name_a_configured_queue(queue, message):
    with fluxsim.start(config=CONF, clock="virtual") as inst:
        spec = fj.JobspecV1.from_command(["true"])
        if queue:
            spec.setattr("system.queue", queue)
        with pytest.raises(PermissionError) as info:
            fj.submit(fluxsim.Flux(inst.uri), spec)
    assert (info.value.errno, info.value.strerror) == (errno.EPERM, message)


# recorded on flux-core 0.88.0 (flux.job.submit of a jobspec whose system.queue is the value),
# with the queues of CONF and without any; a list or an object fails Flux's validator with
# Python's "unhashable type" (README: differences)
@pytest.mark.parametrize("queues, value, expected", [
    (True, 3, (errno.EPERM, "Invalid queue '3' specified")),
    (True, None, (errno.EINVAL, "Invalid argument")),
    (False, 3, (errno.EINVAL, "Invalid argument")),
    (False, None, (errno.EINVAL, "Invalid argument")),
    (False, ["a"], (errno.EINVAL, "Invalid argument")),
])
def test_a_queue_that_is_no_string(queues, value, expected):
    conf = CONF if queues else {}
    with fluxsim.start(config=conf, nnodes=1, cores_per_node=4, clock="virtual") as inst:
        spec = fj.JobspecV1.from_command(["true"])
        spec.setattr("system.queue", value)
        with pytest.raises(OSError) as info:
            fj.submit(fluxsim.Flux(inst.uri), spec)
    assert (info.value.errno, info.value.strerror) == expected


def test_requires_joins_the_jobs_own_constraint():
    queues = Queues(CONF)
    spec = {"attributes": {"system": {"constraints": {"properties": ["big"]}}}}
    applied = queues.apply(spec, "debug")
    assert applied["attributes"]["system"]["constraints"] == {
        "and": [{"properties": ["big"]}, {"properties": ["small"]}]}
    assert spec["attributes"]["system"] == {"constraints": {"properties": ["big"]}}  # a copy


def test_each_queue_places_on_its_nodes_with_its_policy():
    with fluxsim.start(config=CONF, clock="virtual") as inst:
        inst.start_queues()  # named queues start stopped, as on flux-core 0.88
        h = fluxsim.Flux(inst.uri)
        jobs = {}
        for name in ("batch", "debug"):
            spec = fj.JobspecV1.from_command(["true"])
            spec.setattr("system.queue", name)
            jobs[name] = fj.submit(h, spec)
        inst.run(until=1)
        ranks = {name: inst.jobmanager.jobs[j].R.dumps() for name, j in jobs.items()}
        policies = {name: q.config.queue_policy for name, q in inst.scheduler.queues.items()}
    # recorded: first policy, highest node of each queue's nodes
    assert ranks == {"batch": "rank3/core3", "debug": "rank1/core3"}
    assert policies == {"batch": "easy", "debug": "fcfs"}
