"""Flux Standard Duration (RFC 23): the one parser and formatter of the project.

A duration is a number of seconds with an optional unit suffix ``ms``, ``s``,
``m``, ``h`` or ``d``; ``inf`` and ``infinity`` (either case) mean forever::

    >>> parse_fsd("1.5h"), parse_fsd("10ms"), parse_fsd("1_000")
    (5400.0, 0.01, 1000.0)
    >>> fsd(5400)
    '1.5h'

The rules are ``flux.util.parse_fsd`` and ``flux.util.fsd`` of flux-core 0.88,
quirks included: the number is whatever Python's ``float()`` accepts (so
``"1_000"`` and ``" 5"`` parse, ``"2h "`` does not), and unit scaling goes
through ``timedelta``.  ``fluxsim.util`` re-exports both names as its mirror
of ``flux.util``; they live here, with no imports beyond the standard library,
so that fluxexec can check a resource specification without importing the
simulator (or Flux).
"""

import math
import re
from datetime import timedelta

__all__ = ["parse_fsd", "fsd"]

# A number and a unit.  The lazy prefix lets "ms" win over "s" for "10ms"
# (the "s" alternative fails the end anchor there).
_FSD_RE = re.compile(r"(.*?)(s|m|h|d|ms)$")

# Scaling through timedelta rounds to whole microseconds and raises
# OverflowError (not ValueError) for huge values, as in flux: callers see both.
_TIMEDELTA_KEYWORD = {"ms": "milliseconds", "m": "minutes", "h": "hours", "d": "days"}

_INFINITY = ("inf", "infinity", "INF", "INFINITY")


def parse_fsd(fsd_string):
    """Return the number of seconds in a Flux Standard Duration string.

    Raises:
        ValueError: "invalid Flux standard duration" for anything that is not
            a non-negative finite number with an optional suffix ``ms``, ``s``
            (the default), ``m``, ``h`` or ``d`` and not one of the RFC 23
            spellings of infinity (which return ``float("inf")``).
        OverflowError: a unit-scaled value beyond ``timedelta``'s range
            (e.g. ``"1e10d"``), as in flux.
        TypeError: ``fsd_string`` is not a string.
    """
    if fsd_string in _INFINITY:
        return float("inf")

    match = _FSD_RE.match(fsd_string)
    number, unit = (match.group(1), match.group(2)) if match else (fsd_string, "s")
    try:
        value = float(number)
    except ValueError:
        raise ValueError("invalid Flux standard duration") from None

    if unit == "s":
        seconds = value
    else:
        seconds = timedelta(**{_TIMEDELTA_KEYWORD[unit]: value}).total_seconds()
    if seconds < 0 or math.isnan(seconds) or math.isinf(seconds):
        raise ValueError("invalid Flux standard duration")
    return seconds


def fsd(secs):
    """Format a number of seconds as a short Flux Standard Duration.

    The unit is the largest of s, m, h, d that keeps the number >= 1, with
    at most four significant digits (three decimals below ten seconds);
    durations under a millisecond print as ``"0s"`` and infinity as
    ``"inf"``::

        >>> [fsd(x) for x in (0.0001, 1.5, 90, 7200, 2 * 86400)]
        ['0s', '1.500s', '1.5m', '2h', '2d']
    """
    if math.isinf(secs):
        return "inf"
    if secs < 1.0e-3:
        return "0s"
    if secs < 10.0:
        return "%.03fs" % secs
    for limit, unit, scale in (
        (60.0, "s", 1.0),
        (3600.0, "m", 60.0),
        (86400.0, "h", 3600.0),
    ):
        if secs < limit:
            return "%.4g%s" % (secs / scale, unit)
    return "%.4gd" % (secs / 86400.0)
