"""OutputFormat and UtilFormatter format records as flux-core 0.88's ``flux.util`` does.

Expected strings recorded from flux-core 0.88.0 on the same records and
formats (with TZ=UTC).
"""

import time
from types import SimpleNamespace as Item

import pytest

from fluxsim.util import DisplayValue, OutputFormat, UtilFormatter

HEADINGS = {"a": "ALPHA", "t": "T", "d": "D", "p": "PCT", "n": "N", "s": "S"}


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def items():
    return [
        Item(a="x", t=0.0, d=0.0, p=0.0042, n="", s="longer-text"),
        Item(a="yy", t=3725.4, d=978336000.0, p=0.5, n=3, s="s"),
    ]


@pytest.mark.parametrize(
    "fmt, expected",
    [
        ("{0.t!F}", ["0s", "1.035h"]),
        ("{0.t!H}", ["0:00:00", "1:02:05"]),
        ("{0.p!P}", ["0.42%", "50%"]),
        ("{0.d!D}", ["", "2001-01-01T08:00:00"]),
        ("{0.d!d:%H:%M::>8}", ["        ", "   08:00"]),
        ("{0.n:>4h}", ["   -", "   3"]),
        ("{0.s:.4+}", ["lon+", "s"]),
        ("{0.t!F:h}", ["-", "1.035h"]),
        ("{0.d!d:::h}", ["-", "2001-01-01T08:00:00"]),
    ],
)
def test_conversions_and_suffixes(fmt, expected):
    assert [UtilFormatter().format(fmt, item) for item in items()] == expected


FMT = "sort:-n ?:{n:>3} +:{s:<2} {a} ?+:{p!P:>2}"


def test_header():
    fmt = OutputFormat(FMT, headings=HEADINGS)
    assert sorted(fmt.fields) == ["a", "n", "p", "s"]
    assert fmt.header_format() == "?:{n:>3} +:{s:<2} {a} ?+:{p:>2}"
    assert fmt.header(width=8) == "?:  N ++"


def test_filter_drops_empty_and_widens():
    fmt = OutputFormat(FMT, headings=HEADINGS)
    assert fmt.filter(items()) == "sort:-n {n:>3} {s:<11} {a} {p!P:>5}"
    # as in flux, filter() consumes the sentinels of the parsed format
    assert fmt.filter(items()) == FMT


def test_filter_of_empty_records():
    fmt = OutputFormat(FMT, headings=HEADINGS)
    assert fmt.filter([Item(a="x", t=0, d=0, p=0, n="", s="")]) == "sort:-n  {s:<2} {a} {p!P:>3}"


def test_sort_puts_unset_first():
    records = items() + [Item(a="z", n="-")]
    assert [i.a for i in OutputFormat("sort:n,-a {a}", headings=HEADINGS).sort_items(records)] == ["z", "x", "yy"]


def test_copy_without_fields():
    fmt = OutputFormat("sort:a +:{s:5.5} ?:{a}", headings=HEADINGS)
    assert fmt.copy(except_fields=["a"]).get_format() == "sort:a +:{0.s:5.5}"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: OutputFormat("{zz}", headings=HEADINGS), "Unknown format field: zz"),
        (lambda: OutputFormat("sort:zz {a}", headings=HEADINGS), "Invalid sort key: zz"),
    ],
)
def test_unknown_names(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_display_value_classes():
    values = [None, "-", True, "1e3", "x", 2.5]
    assert [DisplayValue(v)._type_order for v in values] == [0, 0, 1, 1, 2, 1]
