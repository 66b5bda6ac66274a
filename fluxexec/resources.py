"""Resource specification: what an app asks Flux for, checked and made a jobspec.

An app passes a resource specification (Parsl's ``parsl_resource_specification``
keyword) and fluxexec turns it into the jobspec of the Flux job that runs it::

    @python_app
    def solve(n, parsl_resource_specification={}):
        ...

    solve(10, parsl_resource_specification={
        "num_tasks": 4, "cores_per_task": 2, "gpus_per_task": 1,
        "num_nodes": 2, "duration": "10m", "gpu_affinity": "per-task"})

The keys (all optional; the value shown is the default):

``num_tasks`` (int >= 1, 1)
    Number of tasks (MPI ranks) of the job.  The app runs on every task.
``cores_per_task`` (int >= 1, 1)
    Cores allocated to each task.
``gpus_per_task`` (int >= 0, 0)
    GPUs allocated to each task.
``num_nodes`` (int >= 1, None)
    Spread the tasks evenly over exactly this many nodes; at most ``num_tasks``.
    Without it Flux packs the tasks wherever cores are free.
``exclusive`` (bool, False)
    Allocate the ``num_nodes`` nodes whole (needs ``num_nodes``).
``duration`` (seconds > 0 as int or float, or a Flux Standard Duration
    string such as ``"500ms"``, ``"90s"``, ``"10m"``, ``"2h"``, ``"1d"``,
    parsed by Flux's rule, :func:`fluxsim.fsd.parse_fsd`; None)
    Time limit of the job; Flux raises a ``timeout`` job exception when it
    expires.  None means the instance's default (usually unlimited).
``queue`` (str, None)
    Flux queue to submit to; None means the instance's default queue.
``urgency`` (int 0..31, 16)
    Flux job urgency; 0 holds the job, 31 makes it expedited.  Values
    other than the default may be restricted to the instance owner.
``cpu_affinity`` ("on", "off" or "per-task"; "on")
    The job shell's ``cpu-affinity`` option: bind every task to all of the
    job's cores on its node ("on"), to its own cores ("per-task"), or not at all.
``gpu_affinity`` ("on", "off" or "per-task"; "on")
    The job shell's ``gpu-affinity`` option: ``CUDA_VISIBLE_DEVICES`` lists
    all of the node's allocated GPUs ("on"), each task's own ("per-task"),
    or is left alone ("off").
``environment`` (mapping of str to str, {})
    Variables to set in the job's environment, over the policy's base.
``environment_policy`` ("inherit" or "clean"; "inherit")
    The base environment: a copy of the submitting process's environment
    (as ``flux submit`` does), or only the variables a process needs to
    start (``CLEAN_ENVIRONMENT``).
``name`` (str, the app's name)
    Job name, as ``flux jobs`` shows it.
``cwd`` (str, the submitting process's working directory)
    Working directory of the tasks.

:func:`validate` checks a specification and raises Parsl's
``InvalidResourceSpecification`` naming the offending key and what is valid;
:func:`jobspec` builds the ``JobspecV1`` from a validated :class:`Request`.
"""

import math
import os
from collections.abc import Mapping

from parsl.executors.errors import InvalidResourceSpecification

from fluxsim.fsd import parse_fsd

__all__ = ["KEYS", "CLEAN_ENVIRONMENT", "Request", "validate", "jobspec", "parse_duration"]

#: Variables kept by ``environment_policy="clean"`` (when they are set).
CLEAN_ENVIRONMENT = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "PYTHONPATH",
    "VIRTUAL_ENV",
)

AFFINITIES = ("on", "off", "per-task")
ENVIRONMENT_POLICIES = ("inherit", "clean")


def parse_duration(value):
    """Seconds in a ``duration``: a number of seconds, or a Flux Standard Duration string.

    Strings follow Flux's own rule (:func:`fluxsim.fsd.parse_fsd`, as
    ``flux.util.parse_fsd``): ``"10ms"``, ``"1_000"`` and ``"2h"`` parse,
    ``"2h "`` raises ``ValueError``.
    """
    if isinstance(value, str):
        return parse_fsd(value)
    return float(value)


def _int(low, high=None):
    def check(v):
        return isinstance(v, int) and not isinstance(v, bool) and v >= low and (high is None or v <= high)

    text = f"an int >= {low}" if high is None else f"an int from {low} to {high}"
    return check, text


def _choice(values):
    return (lambda v: isinstance(v, str) and v in values), "one of " + ", ".join(repr(v) for v in values)


def _duration_ok(v):
    # Flux's jobspec refuses an infinite duration, and 0 would mean "unlimited"
    # to Flux, which is what leaving the key unset already says.
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        return False
    try:
        seconds = parse_duration(v)
    except (ValueError, OverflowError):
        return False
    return seconds > 0 and math.isfinite(seconds)


def _environment_ok(v):
    return isinstance(v, Mapping) and all(isinstance(k, str) and k and "=" not in k and isinstance(x, str) for k, x in v.items())


#: key -> (check, description of the valid values, default).  A key whose
#: default is None may also be given as None, meaning "not set".
KEYS = {
    "num_tasks": (*_int(1), 1),
    "cores_per_task": (*_int(1), 1),
    "gpus_per_task": (*_int(0), 0),
    "num_nodes": (*_int(1), None),
    "exclusive": (lambda v: isinstance(v, bool), "a bool", False),
    "duration": (
        _duration_ok,
        "seconds > 0 (int or float) or a finite Flux Standard Duration string > 0"
        " (a number with an optional unit ms, s, m, h or d, like '10m')",
        None,
    ),
    "queue": (lambda v: isinstance(v, str) and v != "", "a non-empty str", None),
    "urgency": (*_int(0, 31), 16),
    "cpu_affinity": (*_choice(AFFINITIES), "on"),
    "gpu_affinity": (*_choice(AFFINITIES), "on"),
    "environment": (_environment_ok, "a mapping of variable names to str values", None),
    "environment_policy": (*_choice(ENVIRONMENT_POLICIES), "inherit"),
    "name": (lambda v: isinstance(v, str) and v != "", "a non-empty str", None),
    "cwd": (lambda v: isinstance(v, (str, os.PathLike)) and os.fspath(v) != "", "a path (str)", None),
}

_VALID_KEYS = ", ".join(sorted(KEYS))


class Request:
    """A validated resource specification, with every key filled in."""

    __slots__ = tuple(KEYS)

    def __init__(self, **values):
        for key, (_, _, default) in KEYS.items():
            setattr(self, key, values.get(key, default))

    def __repr__(self):
        return "Request(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in KEYS) + ")"


DEFAULT = Request()


def _invalid(key, message):
    return InvalidResourceSpecification({key}, message)


def validate(spec):
    """Check a resource specification and return its :class:`Request`.

    Raises ``InvalidResourceSpecification`` (whose ``invalid_keys`` holds the
    offending key) for an unknown key, a value of the wrong type or out of
    range, ``num_nodes`` greater than ``num_tasks``, and ``exclusive``
    without ``num_nodes``.
    """
    if not spec:
        if spec is None or isinstance(spec, Mapping):
            return DEFAULT
    if not isinstance(spec, Mapping):
        raise InvalidResourceSpecification(
            set(), f"a resource specification must be a dict, not {type(spec).__name__}; valid keys: {_VALID_KEYS}"
        )
    values = {}
    for key, value in spec.items():
        if key not in KEYS:
            raise _invalid(key, f"unknown key {key!r}; valid keys: {_VALID_KEYS}")
        check, text, default = KEYS[key]
        if value is None and default is None:
            continue
        if not check(value):
            raise _invalid(key, f"{key} must be {text}, not {value!r} ({type(value).__name__})")
        values[key] = value
    request = Request(**values)
    if request.num_nodes is not None and request.num_nodes > request.num_tasks:
        raise _invalid(
            "num_nodes",
            f"num_nodes ({request.num_nodes}) must not be greater than num_tasks ({request.num_tasks})",
        )
    if request.exclusive and request.num_nodes is None:
        raise _invalid("exclusive", "exclusive needs num_nodes: Flux allocates whole nodes only by node count")
    return request


def environment(request, base=None):
    """The job's environment for a request: the policy's base plus ``environment``."""
    base = os.environ if base is None else base
    if request.environment_policy == "clean":
        env = {k: base[k] for k in CLEAN_ENVIRONMENT if k in base}
    else:
        env = dict(base)
    if request.environment:
        env.update(request.environment)
    return env


def jobspec(job, command, request, *, name=None, stdout=None, stderr=None, env=None, cwd=None, duration=None):
    """Build the ``JobspecV1`` that runs ``command`` as ``request`` asks.

    ``job`` is the ``flux.job`` module (or ``fluxsim.job``).  ``name``,
    ``cwd`` and ``env`` are used where the request leaves them unset;
    ``duration`` (seconds), when given, caps the request's duration.
    """
    limit = None if request.duration is None else parse_duration(request.duration)
    if duration is not None:
        limit = duration if limit is None else min(limit, duration)
    spec = job.JobspecV1.from_command(
        command,
        num_tasks=request.num_tasks,
        cores_per_task=request.cores_per_task,
        gpus_per_task=request.gpus_per_task or None,
        num_nodes=request.num_nodes,
        exclusive=request.exclusive,
        duration=limit,
        environment=env if env is not None else environment(request),
        cwd=os.fspath(request.cwd) if request.cwd is not None else (cwd or os.getcwd()),
        name=request.name or name,
        output=stdout,
        error=stderr,
        queue=request.queue,
    )
    if request.cpu_affinity != "on":
        spec.setattr_shell_option("cpu-affinity", request.cpu_affinity)
    if request.gpu_affinity != "on":
        spec.setattr_shell_option("gpu-affinity", request.gpu_affinity)
    return spec
