"""RFC 29 hostlists: lists of host names written as ``"node[0-3],login"``.

``decode`` expands a hostlist string into host names; ``encode`` compresses a
list of host names back, exactly as libhostlist's ``hostlist_encode`` does.
Order is kept (a hostlist is a list, not a set), runs of the same prefix
with consecutive numbers are merged, and zero padding is kept.

>>> decode("node[0-3],login")
['node0', 'node1', 'node2', 'node3', 'login']
>>> encode(["node0", "node1", "node2", "node3"])
'node[0-3]'
>>> encode(["foo12", "foo4", "foo1", "foo2"])
'foo[12,4,1-2]'

Forms accepted, as libhostlist accepts them: plain names (``foo7``), one
bracketed list of numbers and ranges per name (``n[01-03,7]``), with text
after the brackets (``foo[1,3]-bar`` is ``foo1-bar,foo3-bar``), and names
separated by commas, spaces or tabs.
"""

__all__ = ["decode", "encode"]

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


def decode(s):
    """Return the host names of RFC 29 hostlist string ``s``, in order.

    ``""`` is the empty list.  Raises ``ValueError`` (``Invalid hostlist:
    '...'``, the message of flux's ``Hostlist``) on unbalanced brackets,
    empty or reversed ranges, or ranges of more than 2**20 hosts.
    """
    if not isinstance(s, str):
        raise TypeError(f"hostlist must be a string, not {type(s).__name__}")
    names = []
    for hr in _decode_ranges(s, []):
        names.extend(hr.names())
    return names


def encode(hosts):
    """Return the RFC 29 string for ``hosts``, as libhostlist encodes it.

    ``hosts`` is a list of host names; each item may itself be a hostlist
    string (flux's ``Hostlist(list)`` appends each item decoded).  A single
    string is re-encoded.  Order and duplicates are kept.
    """
    if isinstance(hosts, str):
        hosts = [hosts]
    ranges = []
    for item in hosts:
        if not isinstance(item, str):
            raise TypeError(f"Hostlist(): expected string or Iterable, got {type(item)}")
        if item and not any(c in "[]\t, " for c in item):
            _append(ranges, _host_range(item))
        else:
            for hr in _decode_ranges(item, []):
                _append(ranges, hr)
    return _ranged_string(ranges)


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
