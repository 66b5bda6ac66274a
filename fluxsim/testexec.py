"""Mock execution's plan for a job, read from its jobspec as job-exec's testexec reads it.

A jobspec with ``attributes.system.exec.test`` is not run: flux-core's
``testexec`` pretends it ran for ``run_duration`` (default: the jobspec's
``duration``) and finished with ``wait_status``, optionally raising a
``mock_exception`` at ``init`` or ``run``.  On a virtual clock fluxsim
mock-executes every job this way.  The live instance and the trace replay
both take the plan from :func:`exec_plan`, so they cannot disagree::

    >>> spec = {"attributes": {"system": {"duration": 60,
    ...         "exec": {"test": {"run_duration": "10s", "wait_status": 256}}}}}
    >>> plan = exec_plan(spec)
    >>> plan.run_duration, plan.wait_status, plan.mock_exception
    (10.0, 256, None)

The rules are testexec's (flux-core 0.88 ``src/modules/job-exec/testexec.c``):

- ``test`` must be an object whose ``run_duration`` and ``mock_exception``
  are strings and ``override``, ``reattach_finish`` and ``wait_status`` are
  integers where present (other keys are ignored).  Otherwise exec fails at
  init with a fatal ``exec`` exception, :data:`TESTCONF_ERROR`.
- ``run_duration`` is parsed as the C library parses a Flux Standard
  Duration (:func:`fluxsim.fsd.fsd_parse_duration`); if that fails, the jobspec's
  duration stays (testexec only logs).
- A duration that is not a number counts as -1; a negative run time means
  "almost immediately" (1e-5 s); a run time of 0 (or infinity) never ends
  by itself.
- ``override`` nonzero: the job waits for a ``start`` request that fluxsim
  has no client for, so it runs until an exception ends it.
"""

import math

from fluxsim.fsd import fsd_parse_duration

__all__ = ["ExecPlan", "TESTCONF_ERROR", "TestconfError", "exec_plan"]

#: The note of the fatal exception for a malformed ``exec.test`` section
#: (job-exec appends strerror of the errno left by the failed unpack).
TESTCONF_ERROR = "failed to initialize testconf: No such file or directory"

#: testexec's "almost immediately" for a job without a run time.
IMMEDIATELY = 1e-5

_INT = "int"
_STR = "str"
_TESTCONF_KEYS = {
    "run_duration": _STR,
    "override": _INT,
    "reattach_finish": _INT,
    "wait_status": _INT,
    "mock_exception": _STR,
}

class TestconfError(ValueError):
    """``exec.test`` is malformed: exec fails at init with :data:`TESTCONF_ERROR`."""


class ExecPlan:
    """How mock execution runs one job.

    Attributes:
        run_duration: seconds until the job finishes by itself; 0 never.
        wait_status: the wait status it finishes with.
        mock_exception: ``"init"``, ``"run"`` or None.
        override: True if the job waits for a start request (never comes).
    """

    __slots__ = ("run_duration", "wait_status", "mock_exception", "override")

    def __init__(self, run_duration, wait_status=0, mock_exception=None, override=False):
        self.run_duration = run_duration
        self.wait_status = wait_status
        self.mock_exception = mock_exception
        self.override = override

    def __repr__(self):
        return (
            f"ExecPlan(run_duration={self.run_duration!r}, wait_status={self.wait_status!r}, "
            f"mock_exception={self.mock_exception!r}, override={self.override!r})"
        )


def _json_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _c_int(value):
    """A JSON integer as jansson's ``i`` stores it in a C int (wrapping)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _duration(system):
    value = system.get("duration") if isinstance(system, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return -1.0


def exec_plan(jobspec, virtual=False):
    """The :class:`ExecPlan` for ``jobspec``, or None if it runs for real.

    ``virtual``: the instance runs on a virtual clock, where every job is
    mock-executed.  Raises :class:`TestconfError` for a malformed
    ``exec.test`` section.
    """
    # Written for speed (a trace replay asks once per job): the usual
    # jobspec is a dict of dicts, so index first and sort out the rest after.
    try:
        system = jobspec["attributes"]["system"]
    except (KeyError, TypeError, IndexError):
        system = None
    try:
        test = system["exec"]["test"]
        enabled = isinstance(system["exec"], dict)
    except (KeyError, TypeError, IndexError):
        enabled = False
    if not enabled and not virtual:
        return None
    run = _duration(system)
    if not enabled:
        # virtual clock, no test section: the duration, or finish at once
        if run <= 0:
            return ExecPlan(IMMEDIATELY)
        return ExecPlan(0.0 if math.isinf(run) else run)
    if not isinstance(test, dict):
        raise TestconfError(TESTCONF_ERROR)
    for key, value in test.items():
        kind = _TESTCONF_KEYS.get(key)
        if kind is not None and not (isinstance(value, str) if kind is _STR else _json_int(value)):
            raise TestconfError(TESTCONF_ERROR)
    if "run_duration" in test:
        parsed = fsd_parse_duration(test["run_duration"])
        if parsed is not None:
            run = parsed
    if run < 0:
        run = IMMEDIATELY
    elif math.isinf(run):
        run = 0.0  # a timer that never fires: the same as none
    return ExecPlan(
        run,
        _c_int(test.get("wait_status", 0)),
        test.get("mock_exception"),
        bool(_c_int(test.get("override", 0))),
    )
