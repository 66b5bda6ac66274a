"""Alloc requests whose jobspec the scheduler could not parse.

flux's ``Scheduler.alloc`` denies such a request at once with the note
``cannot parse jobspec: <error>``; the policies that keep their own queue
hold these jobs aside and deny them at the start of their next pass.
"""

__all__ = ["Unparsed", "deny_note"]


def deny_note(error):
    """The alloc exception note for a request that failed to parse."""
    return f"cannot parse jobspec: {error}"


class Unparsed:
    """Jobs to deny at the next pass (their ``request`` is the parse error)."""

    __slots__ = ("jobs",)

    def __init__(self):
        self.jobs = []

    def hold(self, job):
        """Keep ``job`` if its request failed to parse; True if it was kept."""
        if isinstance(job.request, Exception):
            self.jobs.append(job)
            return True
        return False

    def discard(self, job):
        """Forget ``job`` (its request was withdrawn)."""
        if job in self.jobs:
            self.jobs.remove(job)

    def deny_all(self, manager):
        """Deny every held job, in arrival order."""
        while self.jobs:
            job = self.jobs.pop(0)
            manager.alloc_deny(job, deny_note(job.request))
