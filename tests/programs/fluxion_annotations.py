"""Fluxion's job annotations under the easy queue policy, as ``flux jobs`` shows them.

Run in an instance of one node with two cores whose qmanager runs ``easy``.
Prints one JSON line per observation; a start estimate is printed relative
to the expiration of the job it waits for, so that runs compare.
"""
import json
import time

import flux
import flux.job
from flux.job import JobspecV1

h = flux.Flux()


def submit(ntasks, duration, command):
    spec = JobspecV1.from_command(command, num_tasks=ntasks)
    spec.duration = duration
    return flux.job.submit(h, spec)


def annotations(jobid):
    return flux.job.job_list_id(h, jobid, ["annotations"]).get_jobinfo().annotations.annotationsDict


def memo(jobid, **values):
    h.rpc("job-manager.memo", {"id": jobid, "volatile": False, "memo": values}).get()


def relative(found, expiration):
    sched = dict(found.get("sched", {}))
    if "t_estimate" in sched:
        sched["t_estimate"] -= expiration
    return {**found, "sched": sched} if sched else found


def alloc_annotations(jobid):
    for event in flux.job.event_watch(h, jobid):
        if event.name == "alloc":
            return event.context.get("annotations")
    return None


# 1. a reserved job gets a start estimate, the job behind it none; memos show beside
a = submit(2, 30, ["sleep", "30"])
flux.job.event_wait(h, a, "start")
b = submit(1, 50, ["true"])
c = submit(2, 50, ["true"])
memo(b, foo=1)
memo(c, bar=2)
deadline = time.time() + 10
while "t_estimate" not in annotations(b).get("sched", {}) and time.time() < deadline:
    time.sleep(0.1)
expiration = flux.job.job_list_id(h, a, ["expiration"]).get_jobinfo().expiration
for name, jobid in (("running", a), ("reserved", b), ("behind", c)):
    print(json.dumps(["pending", name, relative(annotations(jobid), expiration)]))
print(json.dumps(["alloc event", "running", alloc_annotations(a)]))

# 2. cancelling a pending job clears all its annotations, a memo's too
flux.job.cancel(h, b)
flux.job.cancel(h, c)
for name, jobid in (("reserved", b), ("behind", c)):
    flux.job.event_wait(h, jobid, "clean", raiseJobException=False)
    print(json.dumps(["cancelled", name, annotations(jobid)]))
flux.job.cancel(h, a)
flux.job.event_wait(h, a, "clean", raiseJobException=False)

# 3. a reserved job that starts: its alloc event keeps how it started and the memo
d = submit(2, 2, ["sleep", "2"])
flux.job.event_wait(h, d, "start")
e = submit(1, 50, ["true"])
memo(e, foo=1)
print(json.dumps(["alloc event", "reserved", alloc_annotations(e)]))
flux.job.event_wait(h, e, "clean")
print(json.dumps(["inactive", "reserved", annotations(e)]))
