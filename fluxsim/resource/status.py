"""Which ranks the scheduler may use: the resource module's drain and offline sets.

flux-core's resource module tracks two things per rank: whether an
administrator drained it (``flux resource drain``, with a reason) and
whether its broker is online.  The scheduler sees only their union: a rank
is *up* for it when it is neither drained nor offline.  Both the live
instance and the trace replay change ranks through one
:class:`ResourceStatus`, which tells the scheduler what changed
(``resource_update``) and reports the ranks that were lost, whose running
jobs then fail as job-exec fails them (:func:`node_failure`).
"""

import errno

__all__ = ["ResourceStatus", "node_failure"]


def node_failure(R, job_R, lost):
    """The note of the ``exec`` exception of a job on ``job_R`` when the
    ranks ``lost`` of the instance's ``R`` are lost; None if it has none of them."""
    hit = [rank for rank in job_R.ranks if rank in lost]
    if not hit:
        return None
    rank = min(hit)
    return f"node failure on {R.ranks[rank].hostname} (rank {rank})"


class ResourceStatus:
    """Drained and offline ranks of one instance, and what the scheduler sees."""

    __slots__ = ("scheduler", "nranks", "drained", "offline")

    def __init__(self, scheduler, nranks):
        self.scheduler = scheduler
        self.nranks = nranks
        self.drained = {}  # rank -> (timestamp, reason)
        self.offline = set()

    def _usable(self, rank):
        return rank not in self.drained and rank not in self.offline

    def _update(self, ranks, change):
        """Apply ``change`` to ``ranks``; tell the scheduler which changed side.

        Returns True if the scheduler wants a pass (see
        :meth:`~fluxsim.scheduler.base.Scheduler.resource_update`).
        """
        before = [self._usable(rank) for rank in ranks]
        change()
        up = [r for r, was in zip(ranks, before) if not was and self._usable(r)]
        down = [r for r, was in zip(ranks, before) if was and not self._usable(r)]
        if up or down:
            return bool(self.scheduler.resource_update(up=up, down=down))
        return False

    def check_ranks(self, ranks):
        """``OSError(EINVAL)`` unless every rank exists."""
        if any(rank < 0 or rank >= self.nranks for rank in ranks):
            raise OSError(errno.EINVAL, "idset is out of range")

    def drain(self, ranks, reason="", timestamp=0.0, overwrite=False):
        """``flux resource drain``: Flux's EEXIST for a drained rank unless ``overwrite``.

        Returns True if a scheduling pass is due.
        """
        self.check_ranks(ranks)
        if not overwrite:
            for rank in ranks:
                if rank in self.drained:
                    raise OSError(errno.EEXIST, f"rank {rank} already drained")

        def change():
            for rank in ranks:
                self.drained[rank] = (timestamp, reason)

        return self._update(ranks, change)

    def undrain(self, ranks):
        """``flux resource undrain``: Flux's EEXIST for a rank that is not drained.

        Returns True if a scheduling pass is due.
        """
        self.check_ranks(ranks)
        for rank in ranks:
            if rank not in self.drained:
                raise OSError(errno.EEXIST, f"rank {rank} not drained")

        def change():
            for rank in ranks:
                del self.drained[rank]

        return self._update(ranks, change)

    def down(self, ranks):
        """Brokers on ``ranks`` are lost: (the ranks that were online, a pass is due)."""
        self.check_ranks(ranks)
        lost = [rank for rank in ranks if rank not in self.offline]
        return lost, self._update(ranks, lambda: self.offline.update(ranks))

    def up(self, ranks):
        """Brokers on ``ranks`` are back; True if a scheduling pass is due."""
        self.check_ranks(ranks)
        return self._update(ranks, lambda: self.offline.difference_update(ranks))
