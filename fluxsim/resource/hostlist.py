"""RFC 29 hostlists: lists of host names written as ``"node[0-3],login"``.

``Hostlist`` is flux-core 0.88's ``flux.hostlist.Hostlist``: a list of host
names kept, as libhostlist keeps it, as runs of one prefix with consecutive
numbers, so that it encodes, sorts, deduplicates, finds and deletes hosts
exactly as libhostlist does.  ``decode`` returns one, as
``flux.hostlist.decode`` does; ``encode`` compresses a list of host names:

>>> hl = decode("node[0-3],login")
>>> list(hl), len(hl), hl[-1]
(['node0', 'node1', 'node2', 'node3', 'login'], 5, 'login')
>>> encode(["node0", "node1", "node2", "node3"])
'node[0-3]'
>>> encode(["foo12", "foo4", "foo1", "foo2"])
'foo[12,4,1-2]'
>>> str(decode("foo[12,4,1-2]").sort())
'foo[1-2,4,12]'

Order is kept (a hostlist is a list, not a set), runs of the same prefix with
consecutive numbers are merged, and zero padding is kept.  Forms accepted, as
libhostlist accepts them: plain names (``foo7``), one bracketed list of
numbers and ranges per name (``n[01-03,7]``), with text after the brackets
(``foo[1,3]-bar`` is ``foo1-bar,foo3-bar``), and names separated by commas,
spaces or tabs.
"""

import errno
import functools
import numbers

from fluxsim import wrapper
from fluxsim.resource import idset

__all__ = ["Hostlist", "decode", "encode"]

_SEPARATORS = "\t, "
#: libhostlist refuses ranges of more hosts than this ...
_MAX_RANGE = 1 << 20
#: ... and more comma-separated ranges than this inside one bracket.
_MAX_RANGES = 10240
_ULONG_MAX = 2**64 - 1
_DIGITS = frozenset("0123456789")


class _HostRange:
    """A run of hosts ``prefix`` + number ``lo..hi`` padded to ``width``.

    A *single* range is one host without a numeric suffix (or one whose
    number is followed by more text); its name is all in ``prefix``.
    """

    __slots__ = ("prefix", "lo", "hi", "width", "single")

    def __init__(self, prefix, lo=0, hi=0, width=0, single=False):
        self.prefix = prefix
        self.lo = lo
        self.hi = hi
        self.width = width
        self.single = single

    def copy(self):
        return _HostRange(self.prefix, self.lo, self.hi, self.width, self.single)

    def count(self):
        return 1 if self.single else self.hi - self.lo + 1

    def same_prefix(self, other):
        # libhostlist never merges a numbered range with a single host of
        # the same prefix.
        return (
            other is not None
            and self.prefix == other.prefix
            and self.single == other.single
        )

    def bracketable_with(self, other):
        """True if both belong in one ``prefix[...]`` group when encoded."""
        return self.same_prefix(other) and not self.single

    def names(self):
        if self.single:
            return [self.prefix]
        prefix, width = self.prefix, self.width
        return [f"{prefix}{n:0{width}d}" for n in range(self.lo, self.hi + 1)]

    def numbers(self):
        text = f"{self.lo:0{self.width}d}"
        if self.lo < self.hi:
            text += f"-{self.hi:0{self.width}d}"
        return text


def _padding(number, width):
    return max(width - len(str(number)), 0)


def _widths_compatible(tail, new):
    """Whether ``new`` may extend ``tail`` despite different zero padding.

    As libhostlist's ``width_equiv()``: when the padding of one range is
    ambiguous, that range adopts the other's width (which is why ``foo9``
    followed by ``foo10`` becomes ``foo[9-10]``).
    """
    tail_pad = _padding(tail.lo, tail.width)
    tail_pad_as_new = _padding(tail.lo, new.width)
    new_pad = _padding(new.lo, new.width)
    new_pad_as_tail = _padding(new.lo, tail.width)
    if tail_pad != tail_pad_as_new and new_pad != new_pad_as_tail:
        return False
    if tail_pad != tail_pad_as_new:
        new.width = tail.width
    else:
        tail.width = new.width
    return True


def _append(ranges, hr):
    """Append ``hr`` to ``ranges``, extending the last range if it continues it."""
    if ranges:
        tail = ranges[-1]
        if (
            tail.same_prefix(hr)
            and not hr.single
            and tail.hi == hr.lo - 1
            and _widths_compatible(tail, hr)
        ):
            tail.hi = hr.hi
            return
    ranges.append(hr.copy())


def _host_range(name):
    # Trailing digits of a plain name are its number: "node007" is prefix
    # "node", number 7, width 3.
    end = len(name)
    start = end
    while start > 0 and name[start - 1] in _DIGITS:
        start -= 1
    if start == end:
        return _HostRange(name, single=True)
    number = int(name[start:])
    if number > _ULONG_MAX:
        raise ValueError(f"Invalid hostlist: host number too large in '{name}'")
    return _HostRange(name[:start], number, number, end - start)


def _tokens(s):
    """Split ``s`` at separators outside brackets, as libhostlist's next_tok."""
    if "[" not in s and "]" not in s:
        for part in s.replace("\t", ",").replace(" ", ",").split(","):
            if part:
                yield part
        return
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in _SEPARATORS:
            i += 1
        if i >= n:
            return
        start, level = i, 0
        while i < n and (level != 0 or s[i] not in _SEPARATORS):
            if s[i] == "[":
                level += 1
            elif s[i] == "]":
                level -= 1
            i += 1
        yield s[start:i]


def _is_number(text):
    return bool(text) and all(c in _DIGITS for c in text)


def _bracket_ranges(text, s):
    """Parse ``"1-3,7"`` from inside brackets into ``(lo, hi, width)``."""
    elements = text.split(",")
    if len(elements) > _MAX_RANGES:
        raise ValueError(f"Invalid hostlist: '{s}'")
    result = []
    for element in elements:
        lo_text, dash, hi_text = element.partition("-")
        if not _is_number(lo_text) or (hi_text and not _is_number(hi_text)):
            raise ValueError(f"Invalid hostlist: '{s}'")
        lo = int(lo_text)
        # libhostlist reads "3-" as "3": an empty upper bound is the lower.
        hi = int(hi_text) if dash and hi_text else lo
        if lo > hi or hi > _ULONG_MAX or hi - lo + 1 > _MAX_RANGE:
            raise ValueError(f"Invalid hostlist: '{s}'")
        result.append((lo, hi, len(lo_text)))
    return result


def _decode_ranges(s, ranges):
    for token in _tokens(s):
        open_at = token.find("[")
        if open_at < 0:
            if "]" in token:
                raise ValueError(f"Invalid hostlist: '{s}'")
            _append(ranges, _host_range(token))
            continue
        close_at = token.find("]", open_at + 1)
        if close_at < 0:
            raise ValueError(f"Invalid hostlist: '{s}'")
        prefix = token[:open_at]
        suffix = token[close_at + 1 :]
        for lo, hi, width in _bracket_ranges(token[open_at + 1 : close_at], s):
            if suffix:
                # Text after the brackets makes each name a single host;
                # libhostlist keeps that text verbatim, brackets and all.
                for n in range(lo, hi + 1):
                    _append(ranges, _HostRange(f"{prefix}{n:0{width}d}{suffix}", single=True))
            else:
                _append(ranges, _HostRange(prefix, lo, hi, width))
    return ranges


# Plain host names read before, and their ranges (never changed: _append
# copies): an instance's few names are encoded over and over (every R's
# nodelist, every job's row of a replay).
_PLAIN = {}


def _plain_range(item):
    """The range of ``item`` if it is a plain host name (the common case: no
    tokenizing needed), else None.  Never change it: ``_append`` copies."""
    hr = _PLAIN.get(item)
    if hr is None and item and not any(c in "[]\t, " for c in item):
        hr = _host_range(item)
        if len(_PLAIN) < 65536:
            _PLAIN[item] = hr
    return hr


def _append_item(ranges, item):
    """Append hostlist string ``item`` to ``ranges``; return how many hosts it had."""
    hr = _plain_range(item)
    if hr is not None:
        _append(ranges, hr)
        return 1
    count = 0
    for hr in _decode_ranges(item, []):
        _append(ranges, hr)
        count += hr.count()
    return count



# -- sorting (libhostlist's hostrange_cmp, coalesce and join) ------------------------


def _prefix_cmp(h1, h2):
    """Order of prefixes (byte order); a single host sorts before a numbered run."""
    if h1.prefix != h2.prefix:
        return -1 if h1.prefix < h2.prefix else 1
    return int(h2.single) - int(h1.single)


def _range_cmp(h1, h2):
    result = _prefix_cmp(h1, h2)
    if result == 0:
        # as in libhostlist, the width check may settle an ambiguous width
        result = h1.lo - h2.lo if _widths_compatible(h1, h2) else h1.width - h2.width
    return result


def _joinable(h1, h2):
    return _prefix_cmp(h1, h2) == 0 and _widths_compatible(h1, h2)


def _overlap(h1, h2):
    """The ``(lo, hi)`` hosts of sorted ``h1`` also in ``h2`` (libhostlist: only if h1.hi > h2.lo)."""
    if h1.single or h2.single or not (h1.hi > h2.lo and _joinable(h1, h2)):
        return None
    return h2.lo, min(h2.hi, h1.hi)


def _collapse(ranges):
    """Join neighbouring runs that continue each other."""
    for i in range(len(ranges) - 1, 0, -1):
        prev, nxt = ranges[i - 1], ranges[i]
        if _prefix_cmp(prev, nxt) == 0 and prev.hi == nxt.lo - 1 and _widths_compatible(prev, nxt):
            prev.hi = nxt.hi
            del ranges[i]


def _coalesce(ranges):
    """Split overlapping sorted runs into runs that at most touch, then collapse.

    As libhostlist's ``hostlist_coalesce``: ``[5-7,6-8]`` becomes
    ``[5-6,6-7,7-8]``; duplicates stay, each in a run of its own.
    """
    i = len(ranges) - 1
    while i > 0:
        prev, nxt = ranges[i - 1], ranges[i]
        common = _overlap(prev, nxt)
        if common:
            lo, hi = common
            if hi < prev.hi:
                nxt.hi = prev.hi
            prev.hi, nxt.lo = lo, hi
            j = i
            for n in range(lo, hi + 1):
                for wanted in (n > prev.hi, n < nxt.lo):
                    if wanted:
                        ranges.insert(j, _HostRange(prev.prefix, n, n, prev.width))
                        j += 1
            i = len(ranges)
        i -= 1
    _collapse(ranges)


def _join(h1, h2):
    """Merge sorted ``h2`` into ``h1`` if they touch or overlap; False if not."""
    if not _joinable(h1, h2):
        return False
    if h1.single and h2.single:
        return True
    if h1.hi == h2.lo - 1 or h1.hi >= h2.lo:
        h1.hi = max(h1.hi, h2.hi)
        return True
    return False


def _sort(ranges):
    ranges.sort(key=functools.cmp_to_key(_range_cmp))


# -- finding hosts -------------------------------------------------------------------

#: Characters a host name given to ``find`` may not contain.
_NOT_IN_NAMES = frozenset("[]\t, ")


def _offset(hr, name):
    """Position of host ``name`` in run ``hr``, or None (libhostlist's hn_within)."""
    if hr.single:
        return 0 if name == hr.prefix else None
    digits = name[len(hr.prefix) :]
    if not (name.startswith(hr.prefix) and _is_number(digits)):
        return None
    number = int(digits)
    if not hr.lo <= number <= hr.hi:
        return None
    if not _widths_compatible(hr, _HostRange(hr.prefix, number, number, len(digits))):
        return None
    return number - hr.lo


def _locate(ranges, name):
    """``(run index, offset in run, position)`` of the first ``name``, or None."""
    if not isinstance(name, str):
        raise TypeError(f"host name must be a string, not {type(name).__name__}")
    if _NOT_IN_NAMES.intersection(name):
        raise wrapper.error(errno.EINVAL)
    position = 0
    for index, hr in enumerate(ranges):
        offset = _offset(hr, name)
        if offset is not None:
            return index, offset, position + offset
        position += hr.count()
    return None


def _remove(ranges, index, offset):
    """Remove the host at ``offset`` of run ``ranges[index]``, splitting the run if needed."""
    hr = ranges[index]
    number = hr.lo + offset
    if number == hr.lo:
        hr.lo += 1
    elif number == hr.hi:
        hr.hi -= 1
    else:
        upper = hr.copy()
        hr.hi, upper.lo = number - 1, number + 1
        ranges.insert(index + 1, upper)
        return
    if hr.hi < hr.lo:
        del ranges[index]


class Hostlist:
    """A list of host names, as flux-core 0.88's ``flux.hostlist.Hostlist``.

    Built from an RFC 29 string, or an iterable of them (each may name
    several hosts), e.g. ``Hostlist("foo[0-3]")``, ``Hostlist(["foo1",
    "foo2"])``.  Indexing with an int gives a name; a slice or an iterable
    of ints gives a new Hostlist.  ``sort``, ``uniq`` and ``delete`` change
    the list in place.  Errors are flux's: ``ValueError("Invalid hostlist:
    '...'")``, ``TypeError`` for other arguments, and ``FileNotFoundError``
    from ``find`` and ``index`` for a host not in the list.
    """

    __slots__ = ("_ranges", "_names")

    def __init__(self, arg=""):
        self._ranges = []
        self._names = None
        if isinstance(arg, str):
            _append_item(self._ranges, arg)
        elif hasattr(arg, "__iter__"):
            for hosts in arg:
                if not isinstance(hosts, str):
                    raise TypeError(f"Hostlist(): expected string or Iterable, got {type(hosts)}")
                _append_item(self._ranges, hosts)
        else:
            raise TypeError(f"Hostlist(): expected string or Iterable, got {type(arg)}")

    def _changed(self):
        self._names = None
        return self

    def _expanded(self):
        # names are cached so that indexing in a loop is not quadratic
        if self._names is None:
            self._names = [name for hr in self._ranges for name in hr.names()]
        return self._names

    def __str__(self):
        return self.encode()

    def __repr__(self):
        return f"Hostlist('{self}')"

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, numbers.Integral):
            names = self._expanded()
            if index < 0:
                index += len(names)
            if 0 <= index < len(names):
                return names[index]
            raise IndexError("Hostlist index out of range")
        if isinstance(index, slice):
            return Hostlist(self._expanded()[index])
        if hasattr(index, "__iter__"):
            result = Hostlist()
            for n in index:
                if not isinstance(n, numbers.Integral):
                    raise TypeError(f"Invalid Hostlist index '{n}'")
                result.append(self[n])
            return result
        raise TypeError("Hostlist index must be integer or slice")

    def __iter__(self):
        return iter(list(self._expanded()))

    def __contains__(self, name):
        return _locate(self._ranges, name) is not None

    def encode(self):
        """The RFC 29 string of the list."""
        return _ranged_string(self._ranges)

    def count(self):
        """The number of hosts."""
        return sum(hr.count() for hr in self._ranges)

    def append(self, *args):
        """Append Hostlists, hostlist strings or iterables of them; return the hosts added."""
        count = 0
        for arg in args:
            other = arg if isinstance(arg, Hostlist) else Hostlist(arg)
            for hr in list(other._ranges):
                _append(self._ranges, hr)
                count += hr.count()
        self._changed()
        return count

    def delete(self, hosts):
        """Delete the first occurrence of each host in ``hosts``; return how many were."""
        try:
            doomed = Hostlist(str(hosts))
        except ValueError:
            raise wrapper.error(errno.EINVAL) from None
        deleted = 0
        for name in doomed:
            where = _locate(self._ranges, name)
            if where is not None:
                _remove(self._ranges, where[0], where[1])
                deleted += 1
        self._changed()
        return deleted

    def sort(self):
        """Sort by prefix, then number (libhostlist's order); return self."""
        if len(self._ranges) > 1:
            _sort(self._ranges)
            _coalesce(self._ranges)
        return self._changed()

    def uniq(self):
        """Sort and drop duplicate hosts; return self."""
        ranges = self._ranges
        if len(ranges) > 1:
            _sort(ranges)
            i = 1
            while i < len(ranges):
                if _join(ranges[i - 1], ranges[i]):
                    del ranges[i]
                else:
                    i += 1
        return self._changed()

    def expand(self):
        """The host names as a list."""
        return list(self)

    def copy(self):
        """An independent copy."""
        copy = Hostlist()
        copy._ranges = [hr.copy() for hr in self._ranges]
        return copy

    def find(self, host):
        """The position of the first ``host``; FileNotFoundError if absent."""
        where = _locate(self._ranges, host)
        if where is None:
            raise wrapper.error(errno.ENOENT)
        return where[2]

    def index(self, hosts, ignore_nomatch=False):
        """The positions of ``hosts`` (a Hostlist or anything Hostlist() takes).

        Hosts not in the list raise FileNotFoundError naming them, unless
        ``ignore_nomatch``.
        """
        if not isinstance(hosts, Hostlist):
            hosts = Hostlist(hosts)
        positions = []
        missing = Hostlist()
        for host in hosts:
            where = _locate(self._ranges, host)
            if where is None:
                missing.append(host)
            else:
                positions.append(where[2])
        if missing and not ignore_nomatch:
            suffix = "s" if len(missing) > 1 else ""
            raise FileNotFoundError(f"host{suffix} '{missing}' not found")
        return positions


def decode(arg):
    """The Hostlist of ``arg``, an RFC 29 string or an iterable of them (``flux.hostlist.decode``).

    ``""`` is the empty list.  Raises ``ValueError`` (``Invalid hostlist:
    '...'``) on unbalanced brackets, empty or reversed ranges, or ranges of
    more than 2**20 hosts.
    """
    return Hostlist(arg)


def encode(hosts):
    """Return the RFC 29 string for ``hosts``, as libhostlist encodes it.

    ``hosts`` is a list of host names; each item may itself be a hostlist
    string (flux's ``Hostlist(list)`` appends each item decoded).  A single
    string is re-encoded.  Order and duplicates are kept.
    """
    if isinstance(hosts, (list, tuple)) and len(hosts) > 1:
        encoded = _encode_ascending(hosts)
        if encoded is not None:
            return encoded
    return Hostlist(hosts).encode()


def _encode_ascending(hosts):
    """``prefix[ranges]`` of plain names of one prefix in increasing number
    order (a nodelist, the usual case), or None for any other list.

    Such a list is one run per stretch of consecutive numbers, which is the
    idset encoding of the numbers; it spares building the runs one name at
    a time (a trace's metrics encode tens of thousands of nodelists).
    """
    prefix = None
    numbers = []
    for name in hosts:
        hr = _plain_range(name) if type(name) is str else None
        if (hr is None or hr.single or (prefix is not None and hr.prefix != prefix)
                or hr.width != len(str(hr.lo))):  # zero padded
            return None
        prefix = hr.prefix
        numbers.append(hr.lo)
    if any(b <= a for a, b in zip(numbers, numbers[1:])):
        return None
    return f"{prefix}[{idset.encode(numbers)}]"


def _ranged_string(ranges):
    groups = []
    i, n = 0, len(ranges)
    while i < n:
        first = ranges[i]
        following = ranges[i + 1] if i + 1 < n else None
        bracket = first.count() > 1 or first.bracketable_with(following)
        parts = []
        while True:
            if not ranges[i].single:
                parts.append(ranges[i].numbers())
            i += 1
            if i >= n or not ranges[i].bracketable_with(ranges[i - 1]):
                break
        body = ",".join(parts)
        groups.append(f"{first.prefix}[{body}]" if bracket else f"{first.prefix}{body}")
    return ",".join(groups)
