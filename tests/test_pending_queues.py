"""The schedulers' pending queues keep flux's ``PendingJob`` order under any operations.

The rule (flux-core's ``flux.scheduler.PendingJob``, sched-simple's queue): priority
descending, then job id ascending; a job queued again takes its new priority.  Both
queues are checked against a plain sort by that rule after every operation.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from fluxsim.constants import FLUX_JOB_PRIORITY_MAX
from fluxsim.scheduler.queue import PendingQueue
from fluxsim.scheduler.sortedqueue import SortedQueue


class Job:
    def __init__(self, jobid, priority):
        self.id = jobid
        self.priority = priority


PRIORITIES = st.sampled_from([0, 1, 15, 16, 17, 31, FLUX_JOB_PRIORITY_MAX])
OPS = st.lists(st.one_of(
    st.tuples(st.just("push"), st.integers(0, 40), PRIORITIES),
    st.tuples(st.just("remove"), st.integers(0, 40), st.none()),
    st.tuples(st.just("pop"), st.none(), st.none()),
), max_size=300)


def _expected(queued):
    return [job.id for job in sorted(queued.values(), key=lambda j: (-j.priority, j.id))]


def _run(queue, ops, ids=lambda i: (i + 1) << 24):
    queued = {}
    for op, n, priority in ops:
        if op == "push":
            job = queued.get(n) or Job(ids(n), priority)
            job.priority = priority
            queued[n] = job
            queue.push(job)
        elif op == "remove":
            if n in queued:
                queue.remove(queued.pop(n))
        else:
            expected = _expected(queued)
            job = queue.pop()
            assert (job.id if job else None) == (expected[0] if expected else None)
            if job is not None:
                queued = {k: j for k, j in queued.items() if j is not job}
        expected = _expected(queued)
        assert len(queue) == len(expected)
        head = queue.head()
        assert (head.id if head else None) == (expected[0] if expected else None)
        assert [job.id for job in queue] == expected


@settings(max_examples=200, deadline=None)
@given(OPS)
def test_pending_queue_keeps_flux_order(ops):
    _run(PendingQueue(), ops)


@settings(max_examples=200, deadline=None)
@given(OPS)
def test_sorted_queue_keeps_flux_order(ops):
    queue = SortedQueue()
    _run(queue, ops)
    assert queue.first(3) == list(queue)[:3]


def test_sorted_queue_after_many_pops():
    """Past the point where the popped prefix is dropped, order and lookups hold."""
    queue = SortedQueue()
    jobs = [Job((i + 1) << 24, 16) for i in range(1000)]
    for job in jobs:
        queue.push(job)
    popped = [queue.pop() for _ in range(700)]
    assert popped == jobs[:700]
    queue.remove(jobs[850])
    late = Job(1, 31)  # a higher priority goes first, however late it comes
    queue.push(late)
    assert queue.head() is late and len(queue) == 300
    assert [job.id for job in queue] == [1] + [job.id for job in jobs[700:] if job is not jobs[850]]
