"""Fluxion's configuration: ``[sched-fluxion-resource]`` and ``[sched-fluxion-qmanager]``.

Read as flux-sched 0.54's modules read them (TOML values become strings),
with their defaults and their messages.  A value that makes a real module
fail to load (so that ``flux start`` fails) raises ``ValueError`` here with
the module's message; a value that Fluxion only logs and replaces with its
default (an unknown match format or queue policy) is replaced the same way.

>>> read({"sched-fluxion-resource": {"match-policy": "lonodex"}}).policy
MatchPolicy(high=False, node_centric=True, node_exclusive=True, stop_on_1=False)
"""

from collections.abc import Mapping
from typing import NamedTuple

__all__ = [
    "MatchPolicy",
    "FluxionConfig",
    "QueueConfig",
    "MATCH_POLICIES",
    "MATCH_FORMATS",
    "QUEUE_POLICIES",
    "match_policy",
    "read",
]


def _debug(message, *args):
    """Log as Fluxion does (at debug level) what it replaces by a default.

    logging is imported only then: the command line reads this module at
    start-up, where importing logging would cost more than the module itself.
    """
    import logging

    logging.getLogger("fluxsim.fluxion").debug(message, *args)


class MatchPolicy(NamedTuple):
    """The options a match policy expands to (flux-sched's ``dfu_match_multilevel_id``)."""

    #: higher scores win (``policy=high``); else lower ones (``policy=low``)
    high: bool
    #: the node's id dominates the score of everything in it
    node_centric: bool
    #: chosen nodes are allocated whole
    node_exclusive: bool
    #: explore nodes in weight order and stop once enough is found (``first``)
    stop_on_1: bool


#: The named policies and the option strings they stand for.
MATCH_POLICIES = {
    "first": "policy=high node_centric=true stop_on_1_matches=true",
    "firstnodex": "policy=high node_centric=true node_exclusive=true stop_on_1_matches=true",
    "high": "policy=high",
    "low": "policy=low",
    "hinode": "policy=high node_centric=true",
    "lonode": "policy=low node_centric=true",
    "hinodex": "policy=high node_centric=true node_exclusive=true",
    "lonodex": "policy=low node_centric=true node_exclusive=true",
}
#: R writers: no ``scheduling`` key, or Fluxion's JGF in it (shorthand: whole nodes brief).
MATCH_FORMATS = ("rv1_nosched", "rv1", "rv1_shorthand")
QUEUE_POLICIES = ("fcfs", "easy", "hybrid", "conservative")

_RESOURCE_KEYS = {
    "match-policy", "policy", "match-format", "load-format", "load-file", "load-allowlist",
    "subsystems", "prune-filters", "reserve-vtx-vec", "update-interval", "traverser",
}
_QMANAGER_KEYS = {
    "queue-policy", "queue-params", "policy-params", "queue-policy-per-queue",
    "queue-params-per-queue", "policy-params-per-queue",
}
_PARSE = "process_config_file: optmgr_kv_t::parse: "
_BOOL_KEYS = ("node_centric", "node_exclusive", "stop_on_1_matches")

QUEUE_DEPTH = 32
MAX_QUEUE_DEPTH = 1000000
HYBRID_RESERVATION_DEPTH = 64
MAX_RESERVATION_DEPTH = 100000


def _unknown_policy(value, why):
    return ValueError(f"{_PARSE}{why}; Unknown match policy ({value})! : Invalid argument")


#: Fluxion's special matchers, which fluxsim does not model.
UNMODELED_POLICIES = ("locality", "variation")


def match_policy(value):
    """The :class:`MatchPolicy` of a named policy or a custom option string."""
    if value in UNMODELED_POLICIES:
        raise ValueError(
            f"match policy {value!r} is not modeled by fluxsim; modeled policies: "
            + ", ".join(MATCH_POLICIES) + ", or a custom \"policy=...\" string")
    text = MATCH_POLICIES.get(value, value)
    options = {"policy": "high", "node_centric": "false", "node_exclusive": "false",
               "stop_on_1_matches": "false"}
    for item in str(text).split():
        key, eq, val = item.partition("=")
        if not eq or key not in options:
            raise _unknown_policy(value, f"invalid policy option: {item}")
        if key == "policy" and val not in ("low", "high"):
            raise _unknown_policy(value, "policy key within custom policy accepts only low or high")
        if key in _BOOL_KEYS and val not in ("true", "false"):
            raise _unknown_policy(value, f"Policy option {key} requires true or false, got {val}")
        options[key] = val
    return MatchPolicy(
        options["policy"] == "high",
        options["node_centric"] == "true",
        options["node_exclusive"] == "true",
        options["stop_on_1_matches"] == "true",
    )


def _string(value):
    """A TOML value as Fluxion sees it: strings as they are, numbers as digits."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if not isinstance(value, str) else value


def _params(value):
    """``"k=v,k=v"`` or a table of them, as ``{key: string}``."""
    if isinstance(value, Mapping):
        # a TOML string keeps its quotes once the table is re-encoded
        return {k: (f'"{v}"' if isinstance(v, str) else _string(v)) for k, v in value.items()}
    params = {}
    for item in _string(value).split(","):
        key, _, val = item.partition("=")
        if key.strip():
            params[key.strip()] = val.strip()
    return params


def _positive(params, key, default, queue):
    if key not in params:
        return default
    text = params[key]
    where = f"enforce_params: queue[{queue}]->apply_params"
    if not text.isdigit():
        raise ValueError(f"{where}: Invalid argument")
    number = int(text)
    if number < 1:
        raise ValueError(f"{where}: Numerical result out of range")
    return number


class QueueConfig:
    """One qmanager queue: its policy and depths (Fluxion 0.54's defaults).

    Attributes:
        name: the queue (``default`` without ``[queues]``).
        queue_policy: ``fcfs``, ``easy``, ``hybrid`` or ``conservative``.
        queue_depth: pending jobs considered per scheduling loop.
        reservation_depth: blocked jobs that get a reservation per loop.
    """

    def __init__(self, name="default", queue_policy="fcfs", queue_params=None,
                 policy_params=None):
        self.name = name
        if queue_policy not in QUEUE_POLICIES:
            _debug("Unknown queuing policy (%s)! Using default.", queue_policy)
            queue_policy = "fcfs"
        self.queue_policy = queue_policy
        qp = _params(queue_params or "")
        max_depth = _positive(qp, "max-queue-depth", MAX_QUEUE_DEPTH, name)
        self.queue_depth = min(_positive(qp, "queue-depth", QUEUE_DEPTH, name), max_depth)
        pp = _params(policy_params or "")
        if queue_policy == "fcfs":
            self.reservation_depth = 0
        elif queue_policy == "easy":
            self.reservation_depth = 1
        elif queue_policy == "hybrid":
            max_res = _positive(pp, "max-reservation-depth", MAX_RESERVATION_DEPTH, name)
            depth = _positive(pp, "reservation-depth", HYBRID_RESERVATION_DEPTH, name)
            self.reservation_depth = depth if depth < max_res else max_res
        else:
            max_res = _positive(pp, "max-reservation-depth", MAX_RESERVATION_DEPTH, name)
            self.reservation_depth = min(max_res, self.queue_depth)

    def __repr__(self):
        return (f"QueueConfig({self.name!r}, queue_policy={self.queue_policy!r}, "
                f"queue_depth={self.queue_depth}, reservation_depth={self.reservation_depth})")


class FluxionConfig:
    """What fluxsim uses of Fluxion's configuration (defaults are Fluxion 0.54's).

    Attributes:
        match_policy: the policy as configured (a name or an option string).
        policy: its :class:`MatchPolicy`.
        match_format: ``rv1_nosched``, ``rv1`` or ``rv1_shorthand``.
        queues: {name: :class:`QueueConfig`}, in name order (``default`` alone
            without ``[queues]``).
        queue_policy, queue_depth, reservation_depth: the first queue's.
    """

    def __init__(self, match_policy_name="first", match_format="rv1_nosched",
                 queue_policy="fcfs", queue_params=None, policy_params=None, queues=None):
        self.match_policy = match_policy_name
        self.policy = match_policy(match_policy_name)
        if match_format not in MATCH_FORMATS:
            _debug("Unknown match format (%s)! Using default.", match_format)
            match_format = "rv1_nosched"
        self.match_format = match_format
        if queues is None:
            queues = {"default": (queue_policy, queue_params, policy_params)}
        self.queues = {name: QueueConfig(name, *queues[name]) for name in sorted(queues)}
        first = next(iter(self.queues.values()))
        self.queue_policy = first.queue_policy
        self.queue_depth = first.queue_depth
        self.reservation_depth = first.reservation_depth

    def __repr__(self):
        return (f"FluxionConfig(match_policy={self.match_policy!r}, "
                f"queues={list(self.queues.values())!r})")


def _per_queue(value, names):
    """``"name:value name:value"`` as {name: value}; a name not configured is fatal."""
    found = {}
    for item in _string(value or "").split():
        name, _, text = item.partition(":")
        if name not in names:
            raise ValueError(f"Unknown queue ({name}).")
        found[name] = text
    return found


def _table(conf, name, keys, unknown):
    table = conf.get(name, {})
    if not isinstance(table, Mapping):
        raise ValueError(f"[{name}]: Expected object")
    for key in table:
        if key not in keys:
            raise ValueError(unknown.format(key))
    return table


def read(conf):
    """The :class:`FluxionConfig` of an instance configuration (a dict of tables)."""
    res = _table(conf, "sched-fluxion-resource", _RESOURCE_KEYS,
                 _PARSE + "Unknown option ({}).: Invalid argument")
    qm = _table(conf, "sched-fluxion-qmanager", _QMANAGER_KEYS,
                "Unknown option ({}).: Invalid argument")
    if "queues" in qm:
        raise ValueError("'queues' key not supported, use RFC33 format instead")
    names = sorted(conf.get("queues") or {}) if isinstance(conf.get("queues"), Mapping) else []
    policies = _per_queue(qm.get("queue-policy-per-queue"), names)
    qparams = _per_queue(qm.get("queue-params-per-queue"), names)
    pparams = _per_queue(qm.get("policy-params-per-queue"), names)
    prune = res.get("prune-filters")
    if prune is not None:
        for pair in _string(prune).split(","):
            if ":" not in pair:
                raise ValueError(
                    f"init_resource_graph: error setting pruning types with: {pair}")
    traverser = _string(res.get("traverser", "simple"))
    if traverser not in ("simple", "flexible"):
        raise ValueError(f"Unknown traverser policy ({traverser})! : Invalid argument")
    policy = res.get("match-policy", res.get("policy", "first"))
    queue_policy = _string(qm.get("queue-policy", "fcfs"))
    queues = None
    if names:
        queues = {
            name: (policies.get(name, queue_policy), qparams.get(name, qm.get("queue-params")),
                   pparams.get(name, qm.get("policy-params")))
            for name in names
        }
    return FluxionConfig(
        _string(policy),
        _string(res.get("match-format", "rv1_nosched")),
        queue_policy,
        qm.get("queue-params"),
        qm.get("policy-params"),
        queues,
    )
