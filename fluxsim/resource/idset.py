"""RFC 22 idsets: sets of non-negative integers written as ``"0-3,5"``.

Flux writes ranks, core ids and GPU ids this way.  ``decode`` is as strict as
libidset's ``idset_decode``: ids ascend, ranges have ``lo < hi``, no leading
zeros, and optional brackets around the whole set.  ``encode`` writes what
``idset_encode`` writes with ``IDSET_FLAG_RANGE`` (and, if asked,
``IDSET_FLAG_BRACKETS``).

>>> decode("0-3,5")
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

__all__ = ["decode", "encode", "ranges", "from_mask", "to_mask", "mask_encode", "mask_runs"]

#: libidset refuses ids that would make the set larger than this.
IDSET_MAX_UNIVERSE = 2**31


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


def ranges(s):
    """Return the ``(lo, hi)`` ranges of idset string ``s``, in order.

    Raises ``ValueError`` on anything libidset would refuse.
    """
    if not isinstance(s, str):
        raise TypeError(f"idset must be a string, not {type(s).__name__}")
    body = s
    if len(body) >= 2 and body[0] == "[" and body[-1] == "]":
        body = body[1:-1]
    if "[" in body or "]" in body:
        raise ValueError(f"invalid idset '{s}': mismatched or nested brackets")
    result = []
    maxid = -1
    # strtok() semantics: empty elements between commas are skipped.
    for element in body.split(","):
        if not element:
            continue
        try:
            lo, hi = _parse_element(element)
        except ValueError as exc:
            raise ValueError(f"invalid idset '{s}': {exc}") from None
        if lo <= maxid:
            raise ValueError(f"invalid idset '{s}': range '{element}' is out of order")
        result.append((lo, hi))
        maxid = hi
    if maxid >= IDSET_MAX_UNIVERSE:
        raise ValueError(f"invalid idset '{s}': set universe size would exceed maximum")
    return result


def decode(s):
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


def encode(ids, brackets=False):
    """Return the RFC 22 string of the integers in ``ids``.

    Order and duplicates in ``ids`` do not matter.  Consecutive ids become
    ``lo-hi`` ranges, as ``idset_encode(IDSET_FLAG_RANGE)`` writes them, so
    ``[0, 1]`` is ``"0-1"``.  With ``brackets=True`` a set of more than one
    id is wrapped in ``[]`` (``IDSET_FLAG_BRACKETS``).
    """
    ids = _check_ids(ids)
    runs = []
    for i in ids:
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return _encode_ranges(runs, brackets, len(ids))


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
