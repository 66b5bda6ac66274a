"""The one interface every fluxsim scheduling policy implements.

It is RFC 27 as flux-core's Python ``flux.scheduler.Scheduler`` presents it:
the job manager sends ``alloc``, ``cancel``, ``prioritize`` and ``free``, the
resource module sends ``resource_update``, and the scheduler answers each
alloc request with a success (an R) or a denial (a note).  A policy fills in
``enqueue``, ``dequeue`` and ``schedule``; the rest is here, once.

Two hosts drive a scheduler the same way: the live
:class:`~fluxsim.instance.Instance` (through its job manager) and the lean
virtual-time loop of :mod:`fluxsim.trace.replay`.  A host provides::

    annotates               whether it keeps alloc annotations (an eventlog does)
    timestamp()             the time of the event being handled
    alloc_success(job, R, annotations)
    alloc_annotate(job, annotations)   (a pending job's; called only if it annotates)
    alloc_deny(job, note)

and calls :meth:`Scheduler.run` for a scheduling pass after every event.  A
job is anything with ``id``, ``priority`` and ``request`` (a
:class:`~fluxsim.resource.request.ResourceRequest`, or the exception that
parsing its jobspec raised).
"""

from fluxsim.resource.pool import InfeasibleRequest, InsufficientResources, Pool
from fluxsim.resource.request import parse_request

__all__ = ["Scheduler", "PassEnds", "deny_note"]


class PassEnds(Exception):
    """A request denied with this note, and the pass ends with it (see ``allocate_in_order``)."""


def deny_note(error):
    """The alloc exception note for a request whose jobspec did not parse."""
    return f"cannot parse jobspec: {error}"


class Scheduler:
    """Base class of the policies: request bookkeeping and responses."""

    #: The policy's name, as ``fluxsim.start(policy=...)`` spells it.
    name = None
    #: Alloc requests the job manager may have outstanding ("unlimited" or N).
    queue_depth = "unlimited"

    def __init__(self, host, R, queue_depth=None):
        self.host = host
        #: The resource pool of the scheduler's resource set ``R`` (an Rv1):
        #: placement and availability.  A scheduler owns it, as a Flux
        #: scheduler module owns its resource graph.
        self.pool = self.make_pool(R)
        if queue_depth is not None:
            if isinstance(queue_depth, bool) or not isinstance(queue_depth, int) or queue_depth < 1:
                raise ValueError(f"queue_depth must be a positive integer, not {queue_depth!r}")
            self.queue_depth = queue_depth
        self._unparsed = []
        #: Counters of the policy's work; ``passes`` for every policy.
        self.stats = {"passes": 0}

    def make_pool(self, R):
        """The pool this scheduler places jobs on (flux-core's ``Rv1Pool`` rules)."""
        return Pool(R)

    def parse(self, jobspec):
        """The request the scheduler queues for ``jobspec``, or the exception parsing raised.

        Hosts call it once per job (and may share the result between jobs
        with the same resources, duration and constraints).
        """
        return parse_request(jobspec)

    def unparsed_note(self, error):
        """The alloc exception note for a jobspec :meth:`parse` could not read."""
        return deny_note(error)

    def annotations(self, R, sched):
        """The ``alloc`` event's annotations for an allocation ``R``."""
        return {"sched": {"resource_summary": R.dumps(), **sched}}

    # -- requests from the job manager ---------------------------------------------

    def alloc(self, job):
        """A new alloc request.

        A request whose jobspec could not be parsed is denied at the start
        of the next pass, as Flux's schedulers deny it on receipt: it never
        waits behind the queue.
        """
        if isinstance(job.request, Exception):
            self._unparsed.append(job)
        else:
            self.enqueue(job)

    def cancel(self, job):
        """Withdraw a pending alloc request.

        Returns True if that calls for a scheduling pass of its own (not
        here: a withdrawn request frees nothing).
        """
        if job in self._unparsed:
            self._unparsed.remove(job)
        else:
            self.dequeue(job)
        return False

    def prioritize(self, job):
        """The job's priority changed while its request is pending."""
        if not isinstance(job.request, Exception):
            self.dequeue(job)
            self.enqueue(job)

    def free(self, job):
        """The job's resources come back."""
        self.pool.free(job.id)

    # -- requests from the resource module -------------------------------------------

    def resource_update(self, up=(), down=()):
        """Ranks became schedulable (``up``) or not (``down``: drained or offline).

        Allocations on a rank that goes down stay until freed.  Returns True
        if the change calls for a scheduling pass: here when ranks came up.
        """
        if down:
            self.pool.mark_down(down)
        if up:
            self.pool.mark_up(up)
        return bool(up)

    # -- a pass -------------------------------------------------------------------------

    def run(self):
        """One scheduling pass, as a host runs it after an event."""
        self.stats["passes"] += 1
        while self._unparsed:
            job = self._unparsed.pop(0)
            self.host.alloc_deny(job, self.unparsed_note(job.request))
        self.schedule()

    # -- the head-of-line loop -------------------------------------------------------

    def allocate_in_order(self, pending, blocked, place):
        """Allocate from the head of ``pending`` until the head does not fit.

        The head blocks everyone behind it (FIFO, Fluxion's fcfs).
        ``place(job)`` returns ``(R, sched annotations)`` or raises
        ``InsufficientResources`` (the pass ends), ``InfeasibleRequest``
        (the job is denied with its note, the pass goes on) or
        :class:`PassEnds` (denied with its note, the pass ends).
        ``blocked`` is the ``(job id, pool generation)`` at which the head
        last did not fit; the new one is returned, so that an unchanged pool
        is not asked again.
        """
        pool = self.pool
        while True:
            job = pending.head()
            if job is None or blocked == (job.id, pool.generation):
                return blocked
            try:
                R, sched = place(job)
            except InsufficientResources:
                return (job.id, pool.generation)
            except (InfeasibleRequest, PassEnds) as exc:
                pending.pop()
                self.deny(job, str(exc))
                if isinstance(exc, PassEnds):
                    return blocked
                continue
            pending.pop()
            self.success(job, R, **sched)

    # -- responses -------------------------------------------------------------------

    def success(self, job, R, **sched):
        """Grant ``R`` to ``job``; ``sched`` are the policy's extra ``sched`` annotations."""
        annotations = self.annotations(R, sched) if self.host.annotates else None
        self.host.alloc_success(job, R, annotations)

    def annotate(self, job, **sched):
        """Annotate a pending job (RFC 27's ``annotate`` alloc response) with ``sched`` keys."""
        if self.host.annotates:
            self.host.alloc_annotate(job, {"sched": sched})

    def deny(self, job, note):
        """Deny ``job``'s request for good (an ``alloc`` exception ends the job)."""
        self.host.alloc_deny(job, note or "unsatisfiable request")

    # -- what a policy fills in -------------------------------------------------------

    def enqueue(self, job):
        """Queue a parsed request."""
        raise NotImplementedError

    def dequeue(self, job):
        """Drop a queued request (it may already be gone)."""
        raise NotImplementedError

    def schedule(self):
        """Allocate, deny or leave waiting the queued requests."""
        raise NotImplementedError
