"""Job IDs: FLUIDs (RFC 19) and their string encodings, as ``flux.job.JobID``.

A Flux job ID is a 64-bit FLUID.  People see it in one of several
encodings, and anywhere Flux takes a job ID it accepts any of them::

    >>> jobid = JobID("ƒuzzybunny")
    >>> int(jobid), jobid.dec, jobid.hex
    (6787342413402046, '6787342413402046', '0x181d0d4d850fbe')
    >>> jobid.dothex, jobid.kvs
    ('0018.1d0d.4d85.0fbe', 'job.0018.1d0d.4d85.0fbe')
    >>> str(jobid) == jobid.f58 == "ƒuzzybunny"
    True

Encodings:

- ``dec``: decimal, no prefix.
- ``hex``: ``0x`` and lower-case hex.
- ``dothex``: four dot-separated groups of four hex digits, high group first.
- ``kvs``: ``job.`` and dothex, the job's KVS directory.
- ``f58``: ``ƒ`` and base 58 (the Bitcoin alphabet, so no 0, O, I or l).
  Like flux, the ASCII prefix ``f`` is used instead when the locale is not
  UTF-8 or FLUX_F58_FORCE_ASCII is set, and both prefixes are accepted.
- ``f58plain``: f58 that always uses the ``f`` prefix.
- ``words`` (mnemonicode) and ``emoji`` (basemoji): not supported, since
  their word and emoji tables are not part of fluxsim; encoding to them
  raises NotImplementedError, and parsing a string that flux would read as
  one of them raises an error that is both a ValueError (what flux raises
  for a bad job ID) and a NotImplementedError.

Parsing follows flux-core's libjob/fluid rules, quirks included (leading
whitespace, surrounding ``job.``, trailing whitespace after a number), and
raises the same exceptions: ``id_parse`` raises OSError(EINVAL) (ERANGE on
overflow), ``JobID`` turns that into ``ValueError("X is not a valid Flux
jobid")``.
"""

import errno
import locale
import os
import string

from fluxsim.unsigned import unsigned

__all__ = ["id_parse", "id_encode", "JobID"]

_UINT64_MAX = (1 << 64) - 1

# RFC 19 F58 alphabet: base 58 without 0, O, I and l
_B58_DIGITS = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_VALUE = {c: i for i, c in enumerate(_B58_DIGITS)}
_F58_PREFIX = "ƒ"
_F58_ASCII_PREFIX = "f"
# 58**11 already exceeds 2**64, so a longer string cannot be a FLUID
_F58_MAX_DIGITS = 12

# C isspace() in the "C"/UTF-8 locales: ASCII whitespace only
_C_SPACE = " \t\n\v\f\r"

# basemoji strings are 1-7 four-byte UTF-8 emoji starting F0 9F
_BASEMOJI_MAX_BYTES = 28


class _EncodingNotSupported(NotImplementedError, ValueError):
    """A job ID in an encoding fluxsim cannot decode (words, emoji).

    A ValueError too, because that is what flux raises for a job ID string
    it cannot use, so callers' existing error handling still applies.
    """


class InvalidArguments(ValueError):
    """An argument of the wrong type, worded like flux's C-call wrapper error."""

    def __init__(self, name, signature, arguments):
        super().__init__(
            "\nInvalid arguments passed to wrapped C function:\n"
            f"Name: {name}\n"
            f"C signature: {signature}\n"
            f"Arguments: {arguments}\n"
            "          "
        )


def _oserror(errnum):
    """An OSError worded like flux's wrapper of a failing C call."""
    return OSError(errnum, f"{errno.errorcode[errnum]}: {os.strerror(errnum)}")


def id_parse(jobid_str):
    """Return the integer job ID encoded in ``jobid_str``.

    Any encoding listed in this module's docstring is accepted, with
    optional leading whitespace and ``job.`` prefix.

    Raises:
        OSError: EINVAL if ``jobid_str`` is not a valid job ID, ERANGE if
            a decimal or hex number exceeds 64 bits.
        InvalidArguments (a ValueError): ``jobid_str`` is not a str or bytes.
    """
    if jobid_str is None or _is_char_list(jobid_str):
        # flux hands these to C as a NULL or unterminated char array
        raise _oserror(errno.EINVAL)
    if isinstance(jobid_str, bytes):
        jobid_str = jobid_str.decode("utf-8", errors="surrogateescape")
    elif not isinstance(jobid_str, str):
        raise InvalidArguments(
            "id_parse",
            "int(*)(char *, uint64_t *)",
            f"({jobid_str!r}, <cdata 'uint64_t[1]' owning 8 bytes>)",
        )
    if jobid_str == "":
        raise _oserror(errno.EINVAL)
    text = jobid_str.lstrip(_C_SPACE)
    if text.startswith("job."):
        text = text[4:]
    return _fluid_parse(text)


def _is_char_list(value):
    """True for a list or tuple of 1-byte bytes (what cffi takes as char[])."""
    return isinstance(value, (list, tuple)) and all(
        isinstance(item, bytes) and len(item) == 1 for item in value
    )


def _fluid_parse(text):
    """Decode a FLUID string (RFC 19 fluid_parse rules)."""
    if text == "":
        raise _oserror(errno.EINVAL)
    text = text.lstrip(_C_SPACE)
    # Order matters: an f58 string starts with "f" like many dothex and
    # words strings, but it never contains "." or "-".
    if "." in text:
        return _dothex_decode(text)
    if "-" in text:
        raise _EncodingNotSupported(
            f"{text}: the words (mnemonic) jobid encoding is not supported"
        )
    if text.startswith((_F58_PREFIX, _F58_ASCII_PREFIX)):
        return _f58_decode(text)
    if _looks_like_basemoji(text):
        raise _EncodingNotSupported(
            f"{text}: the emoji jobid encoding is not supported"
        )
    return _integer_decode(text)


def _integer_decode(text):
    """Decode decimal, or hex after ``0x``, as C strtoull() reads them."""
    if text.startswith("0x"):
        base, digits, start = 16, string.hexdigits, 2
    else:
        base, digits, start = 10, string.digits, 1 if text.startswith("+") else 0
    end = start
    while end < len(text) and text[end] in digits:
        end += 1
    if end > start:
        value, rest = int(text[start:end], base), text[end:]
    elif base == 16:
        # strtoull reads a bare "0x" as the number 0 followed by "x..."
        value, rest = 0, text[1:]
    else:
        # nothing converted: strtoull points back at the start
        value, rest = 0, text
    # strtoull() reports overflow before the caller looks at what follows
    if value > _UINT64_MAX:
        raise _oserror(errno.ERANGE)
    if rest.strip(_C_SPACE) != "":
        raise _oserror(errno.EINVAL)
    return value


def _dothex_decode(text):
    """Decode ``xxxx.xxxx.xxxx.xxxx`` the way sscanf("%4x.%4x.%4x.%4x") does.

    glibc's %4x tolerates leading whitespace, a sign and a ``0x`` prefix
    inside the four-character width; flux inherits that, so we do too.
    """
    groups = []
    pos = 0
    for index in range(4):
        if index > 0:
            if text[pos : pos + 1] != ".":
                raise _oserror(errno.EINVAL)
            pos += 1
        value, pos = _scan_hex_field(text, pos, width=4)
        groups.append(value)
    if pos != len(text):
        raise _oserror(errno.EINVAL)
    high, mid_high, mid_low, low = groups
    return ((high << 48) | (mid_high << 32) | (mid_low << 16) | low) & _UINT64_MAX


def _scan_hex_field(text, pos, width):
    """Scan one glibc ``%<width>x`` field; return (uint32 value, new pos)."""
    while pos < len(text) and text[pos] in _C_SPACE:
        pos += 1
    limit = pos + width
    negative = False
    if pos < limit and pos < len(text) and text[pos] in "+-":
        negative = text[pos] == "-"
        pos += 1
    prefixed = False
    if pos + 1 < limit and text[pos : pos + 1] == "0" and text[pos + 1 : pos + 2] in ("x", "X"):
        pos += 2
        prefixed = True
    start = pos
    while pos < min(limit, len(text)) and text[pos] in string.hexdigits:
        pos += 1
    if pos == start and not prefixed:
        raise _oserror(errno.EINVAL)
    value = int(text[start:pos], 16) if pos > start else 0
    if negative:
        value = -value
    return value & 0xFFFFFFFF, pos


def _f58_decode(text):
    """Decode ``ƒ`` or ``f`` followed by base 58 digits."""
    prefix = _F58_PREFIX if text.startswith(_F58_PREFIX) else _F58_ASCII_PREFIX
    digits = text[len(prefix) :]
    if digits == "" or len(digits.encode("utf-8", errors="surrogateescape")) > _F58_MAX_DIGITS:
        raise _oserror(errno.EINVAL)
    value = 0
    for char in digits:
        if char not in _B58_VALUE:
            raise _oserror(errno.EINVAL)
        value = value * 58 + _B58_VALUE[char]
    # flux accumulates in 64 bits, so 12-digit strings wrap around
    return value & _UINT64_MAX


def _looks_like_basemoji(text):
    """True if flux would try to decode ``text`` as basemoji."""
    raw = text.encode("utf-8", errors="surrogateescape")
    return (
        4 <= len(raw) <= _BASEMOJI_MAX_BYTES
        and len(raw) % 4 == 0
        and raw[0] == 0xF0
        and raw[1] == 0x9F
    )


def _f58_encode(jobid, prefix):
    digits = []
    while True:
        jobid, rem = divmod(jobid, 58)
        digits.append(_B58_DIGITS[rem])
        if jobid == 0:
            break
    return prefix + "".join(reversed(digits))


def _f58_locale_prefix():
    """``ƒ`` if the locale can show it, else ``f``, as flux decides."""
    utf8 = locale.nl_langinfo(locale.CODESET) == "UTF-8"
    if utf8 and not os.environ.get("FLUX_F58_FORCE_ASCII"):
        return _F58_PREFIX
    return _F58_ASCII_PREFIX


def _dothex_encode(jobid):
    return ".".join("%04x" % ((jobid >> shift) & 0xFFFF) for shift in (48, 32, 16, 0))


_ENCODERS = {
    "dec": str,
    "hex": lambda jobid: "0x%x" % jobid,
    "dothex": _dothex_encode,
    "kvs": lambda jobid: "job." + _dothex_encode(jobid),
    "f58": lambda jobid: _f58_encode(jobid, _f58_locale_prefix()),
    "f58plain": lambda jobid: _f58_encode(jobid, _F58_ASCII_PREFIX),
}

_UNSUPPORTED_ENCODINGS = ("words", "emoji")


def id_encode(jobid, encoding="f58"):
    """Return ``jobid`` as a string in ``encoding``.

    ``encoding`` is one of ``dec``, ``hex``, ``dothex``, ``kvs``, ``f58``,
    ``f58plain`` (case-insensitive; None means ``dec``).

    Raises:
        OSError: EPROTO for an unknown encoding.
        NotImplementedError: ``words`` or ``emoji``.
        OverflowError: ``jobid`` is negative or wider than 64 bits.
        InvalidArguments (a ValueError): ``encoding`` is not a str or bytes.
    """
    jobid = unsigned(jobid, 64)
    if encoding is None:
        encoding = "dec"
    elif isinstance(encoding, bytes):
        encoding = encoding.decode("utf-8", errors="surrogateescape")
    elif not isinstance(encoding, str):
        raise InvalidArguments(
            "id_encode",
            "int(*)(uint64_t, char *, char *, size_t)",
            f"({jobid!r}, {encoding!r}, <cdata 'char[]' owning 128 bytes>, 128)",
        )
    name = encoding.lower()
    if name in _UNSUPPORTED_ENCODINGS:
        raise NotImplementedError(f"the {name} jobid encoding is not supported")
    try:
        encoder = _ENCODERS[name]
    except KeyError:
        raise _oserror(errno.EPROTO) from None
    return encoder(jobid)


class JobID(int):
    """A Flux job ID: an ``int`` that also knows its string encodings.

    Construct from an int, another JobID, or a string in any encoding
    (see the module docstring).  ``str()`` gives f58, ``repr()`` gives
    ``JobID(<decimal>)``, and ``orig`` the value it was made from.

    Raises:
        ValueError: "<value> is not a valid Flux jobid".
    """

    def __new__(cls, value):
        if isinstance(value, JobID):
            return cls(value.orig_str)
        if isinstance(value, int):
            jobid = value
        else:
            try:
                jobid = id_parse(value)
            except OSError:
                raise ValueError(f"{value} is not a valid Flux jobid")
        self = super().__new__(cls, jobid)
        self.orig_str = str(value)
        return self

    def encode(self, encoding="dec"):
        """Return this job ID in ``encoding`` (see :func:`id_encode`)."""
        return id_encode(self, encoding)

    @property
    def dec(self):
        """Decimal encoding."""
        return self.encode()

    @property
    def f58(self):
        """RFC 19 F58 encoding (``ƒ`` prefix where the locale allows)."""
        return self.encode("f58")

    @property
    def f58plain(self):
        """RFC 19 F58 encoding with the ASCII ``f`` prefix."""
        return self.encode("f58plain")

    @property
    def hex(self):
        """``0x``-prefixed hexadecimal encoding."""
        return self.encode("hex")

    @property
    def dothex(self):
        """Dotted hexadecimal encoding, ``xxxx.xxxx.xxxx.xxxx``."""
        return self.encode("dothex")

    @property
    def words(self):
        """Mnemonic encoding: not supported, raises NotImplementedError."""
        return self.encode("words")

    @property
    def emoji(self):
        """Emoji encoding: not supported, raises NotImplementedError."""
        return self.encode("emoji")

    @property
    def kvs(self):
        """KVS directory of the job, ``job.`` plus dothex."""
        return self.encode("kvs")

    @property
    def orig(self):
        """The value this JobID was constructed from, as a string."""
        return self.orig_str

    def __str__(self):
        return self.encode("f58")

    def __repr__(self):
        return f"JobID({self.dec})"
