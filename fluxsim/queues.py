"""Named queues (RFC 33 ``[queues.NAME]``), as flux-core 0.88's job-ingest applies them.

With queues configured, every job must name one (or get the default from
``[policy.jobspec.defaults.system] queue``); a queue's ``requires``
properties become the job's constraint (joined with the job's own by
``and``), so that the scheduler places it only on nodes that have them.
Without ``[queues]`` there is one anonymous queue and a job naming one is
refused.

>>> Queues({"queues": {"batch": {"requires": ["big"]}}}).apply(
...     {"attributes": {"system": {"queue": "batch"}}})["attributes"]["system"]["constraints"]
{'properties': ['big']}
"""

import copy
import errno
from collections.abc import Mapping

__all__ = ["Queues"]


class Queues:
    """The queues of an instance configuration."""

    def __init__(self, conf):
        table = conf.get("queues", {}) if isinstance(conf, Mapping) else {}
        if not isinstance(table, Mapping):
            raise ValueError("queues: Expected object")
        self.requires = {}
        for name, queue in table.items():
            if not isinstance(queue, Mapping):
                raise ValueError(f"queues.{name}: Expected object")
            requires = queue.get("requires", [])
            if not isinstance(requires, list) or not all(isinstance(p, str) for p in requires):
                raise ValueError(f"queues.{name}.requires: Expected array of strings")
            self.requires[name] = list(requires)
        policy = conf.get("policy", {}) if isinstance(conf, Mapping) else {}
        defaults = (policy.get("jobspec", {}) if isinstance(policy, Mapping) else {})
        defaults = defaults.get("defaults", {}) if isinstance(defaults, Mapping) else {}
        system = defaults.get("system", {}) if isinstance(defaults, Mapping) else {}
        self.default = system.get("queue") if isinstance(system, Mapping) else None

    @property
    def names(self):
        """The configured queue names, sorted (qmanager runs them in this order)."""
        return sorted(self.requires)

    def __contains__(self, name):
        return name in self.requires

    def __bool__(self):
        return bool(self.requires)

    def validate(self, jobspec):
        """job-ingest's queue validator: with queues configured, a queue that is
        no string names none of them (EPERM, its message; the job manager's
        EINVAL for a null queue comes later).

        For a list or an object Flux's validator fails with Python's own
        TypeError text (``unhashable type: 'list'``); fluxsim gives the same
        message as for any other value.
        """
        try:
            value = jobspec["attributes"]["system"]["queue"]
        except (KeyError, TypeError, IndexError):
            return
        if self.requires and value is not None and not isinstance(value, str):
            raise PermissionError(errno.EPERM, f"Invalid queue '{value}' specified")

    def apply(self, jobspec, queue=None):
        """The jobspec as ingest passes it on: queue set, constraints joined.

        Raises PermissionError (EPERM) with job-ingest's message when
        queues are configured and the job names none or an unknown one.
        """
        if not self.requires:
            return jobspec
        if queue is None:
            queue = self.default
        if queue is None:
            raise PermissionError(errno.EPERM, "no queue specified")
        if queue not in self.requires:
            raise PermissionError(errno.EPERM, f"Invalid queue '{queue}' specified")
        spec = copy.deepcopy(jobspec)
        system = spec.setdefault("attributes", {}).setdefault("system", {})
        system["queue"] = queue
        requires = self.requires[queue]
        if requires:
            own = system.get("constraints")
            needed = {"properties": list(requires)}
            system["constraints"] = {"and": [own, needed]} if own else needed
        return spec
