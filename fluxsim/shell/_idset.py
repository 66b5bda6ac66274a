"""A minimal RFC 22 idset codec for the job shell modules.

The shell only needs to read the idset strings found in R (ranks, cores, gpus)
and to write them back the way libidset does.  This is deliberately small and
private: the project's full idset class lives in ``fluxsim.resource``.

>>> decode("0-2,5")
[0, 1, 2, 5]
>>> encode([0, 1, 2, 5])
'0-2,5'
>>> encode([0, 1, 2, 5], ranges=False)
'0,1,2,5'
"""

__all__ = ["decode", "encode"]


def _parse_number(s, text):
    # libidset rejects signs, spaces and leading zeros (RFC 22).
    if not s.isdigit() or not s.isascii() or (len(s) > 1 and s[0] == "0"):
        raise ValueError(f"error parsing range '{text}'")
    return int(s)


def decode(text):
    """Return the sorted ids of idset string ``text``, strict as libidset.

    Brackets around the whole set are allowed, ranges must be increasing and
    elements must come in ascending order.  The empty string is the empty set.
    Raises ``ValueError`` with libidset's message on bad input.
    """
    s = text
    if len(s) >= 2 and s[0] == "[" and s[-1] == "]":
        s = s[1:-1]
    if "[" in s or "]" in s:
        raise ValueError("mismatched or nested brackets")
    ids = []
    maxid = None
    # strtok() semantics: empty tokens between commas are skipped.
    for tok in (t for t in s.split(",") if t):
        lo_s, dash, hi_s = tok.partition("-")
        lo = _parse_number(lo_s, tok)
        hi = _parse_number(hi_s, tok) if dash else lo
        if dash and hi <= lo:
            raise ValueError(f"error parsing range '{tok}'")
        if maxid is not None and lo <= maxid:
            raise ValueError(f"range '{tok}' is out of order")
        ids.extend(range(lo, hi + 1))
        maxid = hi
    return ids


def encode(ids, ranges=True):
    """Encode ``ids`` as libidset does: ``"0-3,5"``, or ``"0,1,2,3,5"``."""
    ids = sorted(set(ids))
    if not ranges:
        return ",".join(str(i) for i in ids)
    parts = []
    start = prev = None
    for i in ids:
        if prev is not None and i == prev + 1:
            prev = i
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = i
    if start is not None:
        parts.append(str(start) if start == prev else f"{start}-{prev}")
    return ",".join(parts)
