"""RFC 22 idsets: sets of non-negative integers written as ``"0-3,5"``.

Flux writes ranks, core ids and GPU ids this way.  ``IDset`` is flux-core
0.88's ``flux.idset.IDset`` (a set of ids with libidset's parsing, encoding,
limits and errors), and ``decode`` returns one, as ``flux.idset.decode`` does:

>>> ids = decode("0-3,5")
>>> ids.expand(), str(ids), ids.encode(IDSET_FLAG_RANGE | IDSET_FLAG_BRACKETS)
([0, 1, 2, 3, 5], '0-3,5', '[0-3,5]')

fluxsim's own code mostly wants plain lists and strings, with libidset's
detailed reasons for a bad string (``invalid idset '3,2': range '2' is out
of order``, what flux's C modules report): ``expand`` and ``encode`` do that.

>>> expand("0-3,5")
[0, 1, 2, 3, 5]
>>> encode([0, 1, 5])
'0-1,5'
>>> encode([0, 1, 5], brackets=True)
'[0-1,5]'

The resource pool keeps id sets as int bitmasks (bit ``i`` set means id ``i``
is present); ``to_mask``, ``from_mask`` and ``mask_encode`` convert.

>>> mask_encode(to_mask([0, 1, 2, 7]))
'0-2,7'
"""

import bisect
import errno
import numbers

from fluxsim import wrapper

__all__ = [
    "IDSET_FLAG_BRACKETS",
    "IDSET_FLAG_RANGE",
    "IDSET_INVALID_ID",
    "IDset",
    "decode",
    "expand",
    "encode",
    "ranges",
    "from_mask",
    "to_mask",
    "mask_encode",
    "mask_runs",
]

#: libidset refuses ids that would make the set larger than this.
IDSET_MAX_UNIVERSE = 2**31
#: What ``first``, ``last`` and ``next`` return when there is no such id.
IDSET_INVALID_ID = 2**32 - 2
#: ``encode`` flags: brackets around a set of more than one id ...
IDSET_FLAG_BRACKETS = 2
#: ... and ``lo-hi`` for runs of consecutive ids.
IDSET_FLAG_RANGE = 4

# ids are C unsigned ints; the two largest are not ids at all
_UINT_LIMIT = 2**32
_NOT_IDS = (IDSET_INVALID_ID, _UINT_LIMIT - 1)


def _parse_id(text, element):
    # libidset: digits only (no sign, no space), no leading zero (RFC 22).
    if not (text.isdigit() and text.isascii()) or (len(text) > 1 and text[0] == "0"):
        raise ValueError(f"error parsing range '{element}'")
    return int(text)


def _parse_element(element):
    lo_text, dash, hi_text = element.partition("-")
    lo = _parse_id(lo_text, element)
    if not dash:
        return lo, lo
    hi = _parse_id(hi_text, element)
    if hi <= lo:
        # libidset rejects "3-3" and "3-0" alike.
        raise ValueError(f"error parsing range '{element}'")
    return lo, hi


def _invalid(s, reason):
    """``invalid idset 'S': REASON``; ``reason`` stays readable alone (libidset's
    own error text, which callers such as libtaskmap print)."""
    exc = ValueError(f"invalid idset '{s}': {reason}")
    exc.reason = reason
    return exc


def ranges(s):
    """Return the ``(lo, hi)`` ranges of idset string ``s``, in order.

    Raises ``ValueError`` on anything libidset would refuse; its ``reason``
    is libidset's error text.
    """
    if not isinstance(s, str):
        raise TypeError(f"idset must be a string, not {type(s).__name__}")
    body = s
    if len(body) >= 2 and body[0] == "[" and body[-1] == "]":
        body = body[1:-1]
    if "[" in body or "]" in body:
        raise _invalid(s, "mismatched or nested brackets")
    result = []
    maxid = -1
    # strtok() semantics: empty elements between commas are skipped.
    for element in body.split(","):
        if not element:
            continue
        try:
            lo, hi = _parse_element(element)
        except ValueError as exc:
            raise _invalid(s, str(exc)) from None
        if lo <= maxid:
            raise _invalid(s, f"range '{element}' is out of order")
        result.append((lo, hi))
        maxid = hi
    if maxid >= IDSET_MAX_UNIVERSE:
        raise _invalid(s, "set universe size would exceed maximum")
    return result


def expand(s):
    """Return the ids of RFC 22 idset string ``s`` as a sorted list.

    ``""`` and ``"[]"`` are the empty set.  Raises ``ValueError`` with
    libidset's reason when ``s`` is not a valid idset.
    """
    ids = []
    for lo, hi in ranges(s):
        ids.extend(range(lo, hi + 1))
    return ids


def _check_ids(ids):
    ids = sorted(set(ids))
    if ids and ids[0] < 0:
        raise ValueError(f"idset ids must be non-negative, got {ids[0]}")
    return ids


def _encode_ranges(runs, brackets, count):
    text = ",".join(f"{lo}-{hi}" if lo != hi else str(lo) for lo, hi in runs)
    # IDSET_FLAG_BRACKETS only brackets sets with more than one member.
    if brackets and count > 1:
        return f"[{text}]"
    return text


def _runs_of(ids):
    """The ``[lo, hi]`` runs of consecutive ids in sorted, distinct ``ids``."""
    runs = []
    for i in ids:
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def encode(ids, brackets=False):
    """Return the RFC 22 string of the integers in ``ids``.

    Order and duplicates in ``ids`` do not matter.  Consecutive ids become
    ``lo-hi`` ranges, as ``idset_encode(IDSET_FLAG_RANGE)`` writes them, so
    ``[0, 1]`` is ``"0-1"``.  With ``brackets=True`` a set of more than one
    id is wrapped in ``[]`` (``IDSET_FLAG_BRACKETS``).
    """
    ids = _check_ids(ids)
    return _encode_ranges(_runs_of(ids), brackets, len(ids))


# -- flux.idset.IDset ------------------------------------------------------------
#
# An IDset keeps its ids as sorted, disjoint, non-adjacent (lo, hi) runs, so a
# large id ("2147483647") costs no more than a small one.


def _merged(runs):
    """Sorted, overlapping or adjacent runs joined into disjoint ones."""
    result = []
    for lo, hi in sorted(runs):
        if result and lo <= result[-1][1] + 1:
            if hi > result[-1][1]:
                result[-1] = (result[-1][0], hi)
        else:
            result.append((lo, hi))
    return result


def _minus(runs, other):
    """The runs of ``runs`` with every id of ``other`` removed."""
    result = []
    j = 0
    for lo, hi in runs:
        while j < len(other) and other[j][1] < lo:
            j += 1
        k = j
        while lo <= hi and k < len(other) and other[k][0] <= hi:
            olo, ohi = other[k]
            if olo > lo:
                result.append((lo, olo - 1))
            lo = max(lo, ohi + 1)
            k += 1
        if lo <= hi:
            result.append((lo, hi))
    return result


def _common(runs, other):
    """The runs of ids in both ``runs`` and ``other``."""
    result = []
    i = j = 0
    while i < len(runs) and j < len(other):
        lo = max(runs[i][0], other[j][0])
        hi = min(runs[i][1], other[j][1])
        if lo <= hi:
            result.append((lo, hi))
        if runs[i][1] < other[j][1]:
            i += 1
        else:
            j += 1
    return result



def _as_idset(arg):
    return arg if isinstance(arg, IDset) else IDset(arg)


class IDset:
    """A set of non-negative integers, as flux-core 0.88's ``flux.idset.IDset``.

    Built from an RFC 22 string (``"0-3,5"``, ``"[0-3]"``), an int, another
    IDset or any iterable of ints; flux's errors for anything else:
    ``ValueError("IDset(): Invalid argument: ...")`` for a bad string.
    ``flags`` are the default ``encode`` flags (``str`` uses them; ``repr``
    always writes ranges).  An IDset compares equal only to an IDset (a
    TypeError otherwise) and is not hashable.
    """

    __slots__ = ("_runs", "default_flags")

    def __init__(self, arg="", flags=IDSET_FLAG_RANGE):
        if isinstance(arg, IDset):
            arg = str(arg)
        elif not isinstance(arg, str):
            if isinstance(arg, numbers.Integral):
                arg = str(arg)
            elif hasattr(arg, "__iter__"):
                # flux sorts and joins, so [1, "a"] fails in sorted()
                arg = ",".join(str(i) for i in sorted(arg))
            else:
                # flux fails while building its own message for this case;
                # this is the error that reaches the caller
                raise TypeError('can only concatenate str (not "type") to str')
        try:
            self._runs = _merged(ranges(arg))
        except ValueError:
            raise ValueError(f"IDset(): Invalid argument: {arg}") from None
        self.default_flags = flags

    @classmethod
    def _of(cls, runs):
        ids = cls.__new__(cls)
        ids._runs = runs
        ids.default_flags = IDSET_FLAG_RANGE
        return ids

    def __str__(self):
        return self.encode()

    def __repr__(self):
        return f"IDset('{self.encode(flags=IDSET_FLAG_RANGE)}')"

    def __len__(self):
        return self.count()

    def __iter__(self):
        for lo, hi in self._runs:
            yield from range(lo, hi + 1)

    def __contains__(self, i):
        return self.test(i)

    def __getitem__(self, i):
        return self.test(i)

    def __setitem__(self, i, value):
        if value in (0, 1):
            value = bool(value)
        if not isinstance(value, bool):
            raise TypeError(f"IDset setitem must be bool or 0,1 not {type(value)}")
        if value:
            self.set(i)
        else:
            self.clear(i)

    def __eq__(self, idset):
        return self.equal(idset)

    __hash__ = None

    def __add__(self, arg):
        return self.union(arg)

    __or__ = __add__

    def __sub__(self, arg):
        return self.difference(arg)

    def __and__(self, arg):
        return self.intersect(arg)

    def __iadd__(self, arg):
        return self.add(arg)

    def __isub__(self, arg):
        return self.subtract(arg)

    def equal(self, idset):
        """True if ``idset`` (an IDset, else TypeError) has the same ids."""
        if not isinstance(idset, IDset):
            raise TypeError
        return self._runs == idset._runs

    def set_flags(self, flags):
        """Set the default ``encode`` flags (IDSET_FLAG_RANGE, IDSET_FLAG_BRACKETS)."""
        self.default_flags = flags

    @staticmethod
    def _check_index(i, name):
        if not isinstance(i, numbers.Integral):
            raise TypeError(f"IDset.{name} supports integers, not {type(i)}")
        if i < 0:
            raise ValueError(f"negative index passed to IDset.{name}")
        if i >= _UINT_LIMIT:
            # the C call takes an unsigned int: cffi's error
            raise OverflowError(f"integer {i} does not fit '32-bit unsigned int'")

    def _check_range(self, start, end, name):
        self._check_index(start, name)
        if end is None:
            return start
        self._check_index(end, name)
        if end < start:
            raise ValueError(f"can't set range with {start} > {end}")
        return end

    def test(self, i):
        """True if id ``i`` is in the set."""
        self._check_index(i, "test")
        k = bisect.bisect_right(self._runs, (i, _UINT_LIMIT)) - 1
        return k >= 0 and self._runs[k][1] >= i

    def set(self, start, end=None):
        """Add id ``start``, or ids ``start..end``; return self.

        Ids from 2**31 on are out of range (OSError ERANGE), as in libidset.
        """
        end = self._check_range(start, end, "set")
        if start in _NOT_IDS or end in _NOT_IDS:
            raise wrapper.error(errno.EINVAL)
        if end >= IDSET_MAX_UNIVERSE:
            raise wrapper.error(errno.ERANGE)
        self._runs = _merged(self._runs + [(start, end)])
        return self

    def clear(self, start, end=None):
        """Remove id ``start``, or ids ``start..end``; return self."""
        end = self._check_range(start, end, "clear")
        if start in _NOT_IDS or end in _NOT_IDS:
            raise wrapper.error(errno.EINVAL)
        self._runs = _minus(self._runs, [(start, end)])
        return self

    def expand(self):
        """The ids as a sorted list."""
        return list(self)

    def count(self):
        """The number of ids."""
        return sum(hi - lo + 1 for lo, hi in self._runs)

    def copy(self):
        """A copy (with the default flags, as flux's copy has)."""
        return IDset._of(list(self._runs))

    def encode(self, flags=None):
        """The RFC 22 string; ``flags`` default to :attr:`default_flags`."""
        if flags is None:
            flags = self.default_flags
        if flags & ~(IDSET_FLAG_RANGE | IDSET_FLAG_BRACKETS):
            # libidset refuses other flags; flux then fails reading the NULL
            raise RuntimeError("cannot use string() on <cdata 'char *' NULL>")
        runs = self._runs
        if not flags & IDSET_FLAG_RANGE:
            runs = [(i, i) for i in self]
        return _encode_ranges(runs, flags & IDSET_FLAG_BRACKETS, self.count())

    def first(self):
        """The smallest id, or IDSET_INVALID_ID if the set is empty."""
        return self._runs[0][0] if self._runs else IDSET_INVALID_ID

    def last(self):
        """The largest id, or IDSET_INVALID_ID if the set is empty."""
        return self._runs[-1][1] if self._runs else IDSET_INVALID_ID

    def next(self, i):
        """The smallest id greater than ``i``, or IDSET_INVALID_ID."""
        self._check_index(i, "next")
        # libidset computes i + 1 in an unsigned int, so UINT_MAX wraps to 0
        start = (i + 1) % _UINT_LIMIT
        k = bisect.bisect_right(self._runs, (start, _UINT_LIMIT)) - 1
        if k >= 0 and self._runs[k][1] >= start:
            return start
        return self._runs[k + 1][0] if k + 1 < len(self._runs) else IDSET_INVALID_ID

    def add(self, arg):
        """Add the ids of ``arg`` (an IDset, idset string, int or iterable); return self."""
        self._runs = _merged(self._runs + _as_idset(arg)._runs)
        return self

    def subtract(self, arg):
        """Remove the ids of ``arg`` (as for :meth:`add`); return self."""
        self._runs = _minus(self._runs, _as_idset(arg)._runs)
        return self

    def union(self, *args):
        """A new IDset of the ids in this set or any of ``args``."""
        runs = list(self._runs)
        for arg in args:
            runs += _as_idset(arg)._runs
        return IDset._of(_merged(runs))

    def intersect(self, *args):
        """A new IDset of the ids in this set and every one of ``args``."""
        runs = self._runs
        for arg in args:
            runs = _common(runs, _as_idset(arg)._runs)
        return IDset._of(list(runs))

    def difference(self, *args):
        """A new IDset of the ids in this set and in none of ``args``."""
        runs = self._runs
        for arg in args:
            runs = _minus(runs, _as_idset(arg)._runs)
        return IDset._of(list(runs))


def decode(string):
    """Return the IDset of ``string`` (``flux.idset.decode``: anything IDset() takes)."""
    return IDset(string)


# -- int bitmasks ------------------------------------------------------------------


def to_mask(ids):
    """Return the int bitmask with bit ``i`` set for each id ``i`` in ``ids``.

    ``ids`` is an iterable of ints or an idset string.
    """
    if isinstance(ids, str):
        mask = 0
        for lo, hi in ranges(ids):
            mask |= ((1 << (hi - lo + 1)) - 1) << lo
        return mask
    mask = 0
    for i in ids:
        if i < 0:
            raise ValueError(f"idset ids must be non-negative, got {i}")
        mask |= 1 << i
    return mask


def mask_runs(mask):
    """Return the ``(lo, hi)`` runs of set bits in ``mask``, lowest first."""
    if mask < 0:
        raise ValueError("idset mask must be non-negative")
    runs = []
    base = 0
    while mask:
        low = (mask & -mask).bit_length() - 1
        mask >>= low
        base += low
        # Trailing ones of the shifted mask are the length of this run.
        length = (mask ^ (mask + 1)).bit_length() - 1
        runs.append((base, base + length - 1))
        mask >>= length
        base += length
    return runs


def from_mask(mask):
    """Return the ids set in bitmask ``mask`` as a sorted list."""
    ids = []
    if mask.bit_length() <= 256:
        # Short masks (cores, GPUs of one node): peel off the lowest bit.
        while mask:
            low = mask & -mask
            ids.append(low.bit_length() - 1)
            mask ^= low
        return ids
    for lo, hi in mask_runs(mask):
        ids.extend(range(lo, hi + 1))
    return ids


def mask_encode(mask, brackets=False):
    """Return the RFC 22 string of bitmask ``mask`` (see ``encode``)."""
    return _encode_ranges(mask_runs(mask), brackets, mask.bit_count())
