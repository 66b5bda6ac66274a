"""Formatted output of records, as flux-core 0.88's CLI tools print them (``flux.util``).

``flux jobs``, ``flux resource list`` and friends print one line per record
with a user-chosen Python format string and a header row.  ``OutputFormat``
is flux's class for that, with its extensions: ``?:`` drops a field that is
empty for every record, ``+:`` widens a field to its longest value, a
``sort:KEY,-KEY`` prefix sorts the records, and the ``!d`` (datetime),
``!D`` (ISO date), ``!F`` (duration), ``!H`` (h:mm:ss) and ``!P`` (percent)
conversions and the ``h`` spec suffix (``-`` for an empty value) apply::

    >>> class Job:
    ...     id, name, t = 1, "sleep", 90.0
    >>> fmt = OutputFormat("{id:>4} {name:<8} {t!F:>6}", headings={"id": "ID", "name": "NAME", "t": "TIME"})
    >>> fmt.header(), fmt.format(Job())
    ('  ID NAME       TIME', '   1 sleep      1.5m')

Names, signatures and results are flux's (``flux.util.OutputFormat``,
``UtilFormatter``, ``UtilDatetime``, ``DisplayValue``, ``AltField``,
``empty_outputs``); :mod:`fluxsim.util` exports them under flux's names.
"""

import functools
import os
import re
from datetime import datetime, timedelta
from operator import attrgetter
from string import Formatter

from fluxsim.fsd import fsd

__all__ = [
    "AltField",
    "Deduplicator",
    "DisplayValue",
    "OutputFormat",
    "UtilDatetime",
    "UtilFormatter",
    "empty_outputs",
]

#: The ``+:``, ``?:`` and ``?+:`` field prefixes, longest first so ``?+:`` wins.
_SENTINELS = {"?+:": "both", "+:": "maxwidth", "?:": "filter"}


def empty_outputs():
    """The formatted values that count as empty (for ``?:`` and the ``h`` suffix)."""
    localepoch = datetime.fromtimestamp(0.0).strftime("%FT%T")
    return ("", "0s", "0.0", "0:00:00", "1970-01-01T00:00:00", localepoch)


class UtilDatetime(datetime):
    """A datetime whose format spec is ``STRFTIME::SPEC``, e.g. ``{t:%b%d %R::>12}``.

    The epoch (a time never set) formats as ``""`` (``-`` with an ``h`` suffix).
    """

    def __format__(self, fmt):
        timefmt, _, spec = fmt.partition("::")
        result = "" if self == datetime.fromtimestamp(0.0) else self.strftime(timefmt or "%FT%T")
        if spec.endswith("h"):
            result = result or "-"
            spec = spec[:-1] + "s"
        return format(result, spec) if spec else result


def _or_empty(convert, value):
    """``convert(value)``, with "" for a value that is "" (a field with no value)."""
    try:
        return convert(value)
    except TypeError:
        if str(value) == "":
            return ""
        raise


def _hours(value):
    # a nonzero time below a second shows as one second, not zero
    if 0 < value < 1:
        value = 1
    return str(timedelta(seconds=round(value)))


def _percent(value):
    value = value * 100
    return f"{value:.2f}%" if 0 < value < 1 else f"{value:.3g}%"


class UtilFormatter(Formatter):
    """A string Formatter with flux's conversions and spec suffixes.

    Conversions: ``!d`` seconds since the epoch to a :class:`UtilDatetime`,
    ``!D`` to an ISO 8601 string, ``!F`` to a Flux Standard Duration,
    ``!H`` to ``h:mm:ss``, ``!P`` a fraction to a percentage.  Spec
    suffixes: ``h`` prints ``-`` for an empty value, ``+`` marks a
    truncated value with a trailing ``+``.
    """

    def convert_field(self, value, conv):
        if conv == "d":
            try:
                return UtilDatetime.fromtimestamp(value)
            except TypeError:
                if str(value) == "":
                    return UtilDatetime.fromtimestamp(0.0)
                raise
        if conv == "D":
            # 0 is a time never set
            if not value:
                return ""
            return _or_empty(lambda v: datetime.fromtimestamp(v).strftime("%FT%T"), value)
        if conv == "F":
            return _or_empty(fsd, value)
        if conv == "H":
            return _or_empty(_hours, value)
        if conv == "P":
            try:
                return _percent(value)
            except (TypeError, ValueError):
                if str(value) == "":
                    return ""
                raise
        return super().convert_field(value, conv)

    def format_field(self, value, spec):
        mark_truncation = spec.endswith("+")
        if mark_truncation:
            spec = spec[:-1]
        # a UtilDatetime handles its own 'h' (its __format__ runs after this)
        if spec.endswith("h") and not isinstance(value, UtilDatetime):
            value = "-" if str(value) in empty_outputs() else str(value)
            spec = spec[:-1] + "s"
        result = super().format_field(value, spec)
        if mark_truncation and len(result) < len(str(value)):
            result = result[:-1] + "+"
        return result


class AltField:
    """A value with a plain-ASCII alternative, selected as ``{field.ascii}``."""

    def __init__(self, default, ascii):
        self.default = default
        self.ascii = ascii

    def __str__(self):
        return self.default

    def __format__(self, fmt):
        return str(self).__format__(fmt)


@functools.total_ordering
class DisplayValue:
    """A value as sorted in formatted output: unset, then numbers, then strings.

    None, ``""`` and ``"-"`` are all "unset" and equal; bools, ints, floats
    and strings that parse as floats compare as numbers; other values compare
    as strings.
    """

    __slots__ = ("value", "_type_order", "_sort_value")

    EMPTY = 0
    NUMERIC = 1
    STRING = 2

    def __init__(self, value):
        self.value = value
        if value is None or value == "" or value == "-":
            self._type_order, self._sort_value = self.EMPTY, 0
        elif isinstance(value, (bool, int, float)):
            self._type_order, self._sort_value = self.NUMERIC, float(value)
        else:
            self._type_order, self._sort_value = self._classify(value)

    @classmethod
    def _classify(cls, value):
        for candidate in (value, str(value)):
            try:
                return cls.NUMERIC, float(candidate)
            except (ValueError, TypeError):
                pass
        return cls.STRING, str(value)

    def _key(self):
        return self._type_order, self._sort_value

    def __eq__(self, other):
        return self._key() == other._key()

    def __lt__(self, other):
        return self._key() < other._key()

    def __repr__(self):
        return (
            f"DisplayValue({self.value!r}, type_order={self._type_order}, "
            f"sort_value={self._sort_value!r})"
        )


class _FormatSpec:
    """A Python format spec split into its parts, plus flux's ``h`` and ``+`` suffixes.

    A datetime spec (``%b%d::>12``) is the part after ``::``.
    """

    components = (
        "fill", "align", "sign", "pos_zero", "alt", "zero_pad", "width_str",
        "grouping", "decimal", "precision_str", "type", "hyphen", "truncate",
    )  # fmt: skip
    _RE = re.compile(
        r"(?:(?P<fill>[\s\S])?(?P<align>[<>=^]))?(?P<sign>[- +])?(?P<pos_zero>z)?(?P<alt>#)?"
        r"(?P<zero_pad>0)?(?P<width_str>\d+)?(?P<grouping>[_,])?"
        r"(?:(?P<decimal>\.)(?P<precision_str>\d+))?(?P<type>[bcdeEfFgGnosxX%])?"
        r"(?P<hyphen>h)?(?P<truncate>\+)?"
    )

    def __init__(self, spec):
        if "::" in spec:
            spec = spec[spec.find("::") + 2 :]
        match = self._RE.fullmatch(spec)
        parts = match.groupdict() if match else {}
        for name in self.components:
            setattr(self, name, parts.get(name) or "")

    @property
    def width(self):
        return int(self.width_str) if self.width_str else ""

    @width.setter
    def width(self, val):
        self.width_str = str(val)
        # a string's precision truncates it: keep it no narrower than the width
        if self.type in (None, "s", "") and self.precision and self.precision < self.width:
            self.precision = self.width

    @property
    def precision(self):
        return int(self.precision_str) if self.precision_str else 0

    @precision.setter
    def precision(self, val):
        self.precision_str = str(val)

    def __str__(self):
        return "".join(str(getattr(self, name)) for name in self.components)


class _HeaderFormatter(UtilFormatter):
    """Looks field names up literally in the headings (``a.b`` is one name)."""

    def get_field(self, field_name, args, kwargs):
        if field_name in kwargs:
            return kwargs[field_name], None
        return super().get_field(field_name, args, kwargs)


def _terminal_width(width):
    # 0 means the terminal's width; no terminal means no limit (-1)
    if width == 0:
        try:
            return os.get_terminal_size().columns
        except OSError:
            return -1
    return width


def _truncated(line, width):
    return line[: width - 1] + "+" if 0 < width < len(line) else line


class OutputFormat:
    """A parsed output format, as flux-core 0.88's ``flux.util.OutputFormat``.

    Args:
        fmt (str): the format, e.g. ``"{id:>8} ?:{name}"``, optionally
            starting with ``sort:KEY,...``.
        headings (dict): field name -> header text; a field without one is
            a ValueError (``Unknown format field: ...``).
        prepend (str): prefix for every field name in the working format
            (default ``"0."``, so fields are attributes of the record).

    Attributes:
        formatter: the Formatter class used (default :class:`UtilFormatter`).
        headings: the headings (subclasses set defaults for a tool).
        sort_keys: ``[(field, reverse), ...]`` from ``sort:`` or :meth:`set_sort_keys`.
    """

    formatter = UtilFormatter
    headings = {}
    HeaderFormatter = _HeaderFormatter
    FormatSpec = _FormatSpec
    _sort_prefix_re = re.compile(r"sort:([^{\s]+)")

    def __init__(self, fmt, headings=None, prepend="0.", nullify_expansion_sentinel=False):
        if headings is not None:
            self.headings = headings
        if prepend is not None:
            self.prepend = prepend
        # (text, field, spec, conversion), with None as ""
        self.format_list = [[part or "" for part in entry] for entry in Formatter().parse(fmt)]
        self.sort_keys = []
        if self.format_list and self.format_list[0][0].startswith("sort:"):
            fmt, self.format_list[0][0] = self._parse_and_strip_sort_prefix(self.format_list[0][0], fmt)
        self.fmt = fmt
        self.fmt_orig = fmt
        self._fields = [field for _, field, _, _ in self.format_list if field]
        for field in self._fields:
            name = field[2:] if field.startswith("0.") else field
            if name and name not in self.headings:
                raise ValueError("Unknown format field: " + name)
        if self.prepend:
            self.fmt = self.get_format_prepended(self.prepend, include_sort_prefix=False)

    @property
    def fields(self):
        """The fields of the format and the sort keys (unordered)."""
        return list(set(self._fields) | {key for key, _ in self.sort_keys})

    @staticmethod
    def _calculate_width(width):
        return _terminal_width(width)

    def _fmt_tuple(self, text, field, spec, conv):
        """One parsed entry written back as format text."""
        if not field:
            return text
        spec = ":" + spec if spec else ""
        conv = "!" + conv if conv else ""
        return f"{text}{{{field}{conv}{spec}}}"

    def header_format(self):
        """The format for the header row: each field keeps only its alignment and width."""
        entries = []
        for text, field, spec, _ in self.format_list:
            spec = self.FormatSpec(spec)
            entries.append(self._fmt_tuple(text, field, f"{spec.align}{spec.width}", None))
        return "".join(entries)

    def header(self, width=-1):
        """The header row; ``width`` > 0 truncates it (0: the terminal's width)."""
        result = self.HeaderFormatter().format(self.header_format(), **self.headings)
        return _truncated(result, self._calculate_width(width))

    def get_format_prepended(
        self, prepend, except_fields=None, include_sort_prefix=True, nullify_expansion_sentinel=False
    ):
        """The format with ``prepend`` before every field name.

        Args:
            except_fields (list): fields to leave out (with their sentinel).
            include_sort_prefix (bool): start with the ``sort:`` prefix, if any.
            nullify_expansion_sentinel (bool): write ``+:{f:<10.10}`` as ``{f}``.
        """
        except_fields = except_fields or []
        entries = []
        for text, field, spec, conv in self.format_list:
            if field in except_fields:
                kept = text.strip()
                if kept and kept not in _SENTINELS:
                    entries.append(text)
                continue
            if field and not field.startswith(prepend):
                field = prepend + field
            if nullify_expansion_sentinel and text.endswith("+:"):
                text, spec = "", ""
            entries.append(self._fmt_tuple(text, field, spec, conv))
        prefix = self._sort_prefix() if include_sort_prefix else ""
        return prefix + "".join(entries)

    def _sort_prefix(self):
        if not self.sort_keys:
            return ""
        keys = ",".join(f"-{key}" if reverse else key for key, reverse in self.sort_keys)
        space = " " if getattr(self, "_sort_has_trailing_space", True) else ""
        return f"sort:{keys}{space}"

    def get_format(self, orig=False, include_sort_prefix=True):
        """The working format (``orig``: as given), with the ``sort:`` prefix if asked."""
        fmt = self.fmt_orig if orig else self.fmt
        return (self._sort_prefix() if include_sort_prefix else "") + fmt

    def copy(self, except_fields=None, nullify_expansion=False):
        """A new OutputFormat of this format, less ``except_fields``."""
        fmt = self.get_format_prepended("", except_fields, nullify_expansion_sentinel=nullify_expansion)
        return self.__class__(fmt, headings=self.headings, prepend=self.prepend)

    def format(self, obj):
        """``obj`` formatted as one line."""
        try:
            return self.formatter().format(self.get_format(include_sort_prefix=False), obj)
        except KeyError as exc:
            raise KeyError(f"Invalid format field {exc} for {type(obj)}") from None

    def filter(self, items, no_header=False):
        """The format with ``?:`` fields empty for all ``items`` removed and ``+:``
        fields widened to their widest value (or heading, unless ``no_header``).

        As flux's, this rewrites the parsed format in place.
        """
        marked = []
        for index, (text, field, spec, conv) in enumerate(self.format_list):
            sentinel = next((s for s in _SENTINELS if text.endswith(s)), None)
            if sentinel is None:
                continue
            kind = _SENTINELS[sentinel]
            spec = self.FormatSpec(spec)
            maxwidth = spec.width or 0
            if kind in ("maxwidth", "both") and not no_header:
                maxwidth = max(maxwidth, len(self.headings.get(field, "")))
            marked.append(
                {"fmt": self._fmt_tuple("", "0." + field, None, conv), "index": index,
                 "type": kind, "maxwidth": maxwidth, "width": 0, "spec": spec}
            )  # fmt: skip
        if not marked:
            return self.get_format(orig=True)
        formatter = self.formatter()
        empty = empty_outputs()
        for item in items:
            for entry in marked:
                result = formatter.format(entry["fmt"], item)
                width = 0 if result in empty else len(result)
                entry["maxwidth"] = max(entry["maxwidth"], width)
                entry["width"] = max(entry["width"], width)
        removed = set()
        for entry in marked:
            if entry["width"] == 0 and entry["type"] in ("filter", "both"):
                removed.add(entry["index"])
            elif entry["type"] in ("maxwidth", "both"):
                entry["spec"].width = entry["maxwidth"]
                self.format_list[entry["index"]][2] = str(entry["spec"])
        kept = [entry for index, entry in enumerate(self.format_list) if index not in removed]
        for entry in kept:
            for sentinel in _SENTINELS:
                entry[0] = entry[0].replace(sentinel, "")
        return self._sort_prefix() + "".join(self._fmt_tuple(*entry) for entry in kept)

    def _parse_and_strip_sort_prefix(self, sort_spec, fmt):
        """Take the ``sort:KEYS`` prefix off ``fmt``; return ``(fmt, rest of sort_spec)``."""
        match = self._sort_prefix_re.match(sort_spec)
        if not match:
            return fmt, sort_spec
        keys = match.group(1)
        self.set_sort_keys(keys)
        length = len("sort:") + len(keys)
        rest, fmt = sort_spec[length:], fmt[length:]
        self._sort_has_trailing_space = fmt.startswith(" ")
        if self._sort_has_trailing_space:
            fmt, rest = fmt[1:], rest[1:]
        return fmt, rest

    def set_sort_keys(self, sort_keys):
        """Sort by ``sort_keys``: comma-separated fields, ``-field`` for descending."""
        self.sort_keys = []
        for key in sort_keys.split(","):
            key = key.strip()
            if not key:
                continue
            reverse = key.startswith("-")
            if reverse:
                key = key[1:]
            if key not in self.headings:
                raise ValueError("Invalid sort key: " + key)
            self.sort_keys.append((key, reverse))

    def sort_items(self, items):
        """Sort the list ``items`` in place by the sort keys; return it."""
        for key, reverse in reversed(self.sort_keys):
            getter = attrgetter(key)
            items.sort(key=lambda item: DisplayValue(getter(item)), reverse=reverse)
        return items

    def print_items(self, items, no_header=False, width=-1, pre=None, post=None):
        """Print ``items``: filtered format, sorted, with a header unless ``no_header``.

        ``width`` > 0 truncates lines (0: the terminal's width); ``pre`` and
        ``post`` are called with each item around its line.  Blank lines are
        not printed.
        """
        formatter = self.__class__(
            self.filter(items, no_header=no_header), headings=self.headings, prepend=self.prepend
        )
        items = self.sort_items(items)
        width = self._calculate_width(width)
        if not no_header:
            print(formatter.header(width=width))
        for item in items:
            line = formatter.format(item)
            if not line or line.isspace():
                continue
            if callable(pre):
                pre(item)
            line = _truncated(line, width)
            try:
                print(line)
            except UnicodeEncodeError:
                print(line.encode("utf-8", errors="surrogateescape").decode())
            if callable(post):
                post(item)


class Deduplicator:
    """Items merged when they print the same, as ``flux.util.Deduplicator``:
    ``append`` formats an item without ``except_fields`` (counts, node lists)
    and, if an earlier item printed the same, calls ``combine(earlier, item)``
    instead of keeping it.  Iterates over the kept items."""

    def __init__(self, formatter, except_fields=None, combine=None):
        self.formatter = formatter.copy(except_fields=except_fields, nullify_expansion=True)
        self.combine = combine
        self.hash = {}
        self.items = []

    def __iter__(self):
        return iter(self.items)

    def append(self, item):
        """Keep ``item``, or combine it with the earlier item that prints the same."""
        key = self.formatter.format(item)
        if key in self.hash:
            if self.combine is not None:
                self.combine(self.hash[key], item)
        else:
            self.hash[key] = item
            self.items.append(item)
