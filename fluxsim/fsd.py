"""Flux Standard Duration (RFC 23): the project's parsers and formatter, as Flux has them.

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
of ``flux.util``.

Flux's C library reads durations by another rule (:func:`fsd_parse_duration`,
``src/common/libutil/fsd.c``): where a broker module parses one (testexec's
``run_duration``, job-manager's ``inactive-age-limit``), that rule applies.

This module imports nothing beyond the standard library (and ``import
fluxsim`` is lazy), so fluxexec checks a resource specification without
importing the simulator.
"""

import functools
import math
import re
from datetime import timedelta

__all__ = ["parse_fsd", "fsd", "fsd_parse_duration", "fsd_format_duration"]

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


def fsd_format_duration(duration, precision=6):
    """libutil's ``fsd_format_duration`` (what flux-core's C commands print):
    ``%g`` with ``precision`` digits in the largest of s, m, h, d under which
    the number is below the next unit; ms below a tenth of a second;
    ``infinity`` (either sign, as C's ``isinf``).  ValueError for NaN."""
    if math.isinf(duration):
        return "infinity"
    if duration != duration:
        raise ValueError("invalid duration")
    if duration < 0.1 and duration != 0:
        return "%.*gms" % (precision, duration * 1000.0)
    for limit, unit, scale in ((60.0, "s", 1.0), (3600.0, "m", 60.0), (86400.0, "h", 3600.0)):
        if duration < limit:
            return "%.*g%s" % (precision, duration / scale, unit)
    return "%.*gd" % (precision, duration / 86400.0)


# strtod's accepted prefix: leading space, sign, then inf/infinity/nan, a hex
# float or a decimal one.  What follows it is the unit.  Digits and space are
# the C locale's (ASCII), not every Unicode digit and space.
_STRTOD = re.compile(
    r"\s*([+-]?(?:infinity|inf|nan(?:\([0-9a-z_]*\))?"
    r"|0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?\d+)?"
    r"|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?))?",
    re.IGNORECASE | re.ASCII,
)
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


@functools.lru_cache(maxsize=4096)  # a trace repeats a few run times many times
def fsd_parse_duration(text):
    """Seconds in ``text`` as flux-core's C ``fsd_parse_duration`` reads it, or None.

    strtod takes the number (so ``" 5"``, ``"1e3"``, ``"0x10"``, ``"inf"``
    and even ``""`` are numbers), then the rest must be empty or one of
    ``ms``, ``s``, ``m``, ``h``, ``d``; NaN, negatives and a unit after
    infinity are refused.
    """
    digits = text[:-1]
    if text[-1:] == "s" and digits.isascii() and digits.isdigit():
        # "1234s", as flux submit writes a whole number of seconds: strtod's
        # number (one too long for a double goes the long way below)
        value = float(digits)
        if value != math.inf:
            return value
    match = _STRTOD.match(text)
    number = match.group(1)
    rest = text[match.end():] if number else text
    if not number:
        value = 0.0
    elif number.lstrip("+-")[:2].lower() == "0x":
        sign = -1.0 if number.startswith("-") else 1.0
        value = sign * float.fromhex(number.lstrip("+-"))
    else:
        value = float(number.split("(")[0])
    if math.isnan(value) or value < 0:
        return None
    if rest:
        if math.isinf(value) or rest not in _UNITS:
            return None
        value *= _UNITS[rest]
    return value
