"""The IDset and Hostlist classes behave as flux-core 0.88's ``flux.idset`` and ``flux.hostlist``.

Every expected value (results, and the type and text of errors) is recorded
from flux-core 0.88.0's bindings (libidset, libhostlist) on the same calls,
one case per rule: coercions, encode flags, id limits, padding widths,
sorting, deduplication and deletion of runs.
"""

import pytest

from fluxsim.resource.hostlist import Hostlist
from fluxsim.resource.idset import IDSET_FLAG_BRACKETS, IDSET_FLAG_RANGE, IDSET_INVALID_ID, IDset


def outcome(call):
    """The result of ``call`` as flux prints it: ``str`` of an IDset or Hostlist, else the value,
    or ``"ErrorType: message"``."""
    try:
        result = call()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return str(result) if isinstance(result, (IDset, Hostlist)) else result


IDSET = [
    # constructor coercions
    (lambda: IDset(1.5), 'TypeError: can only concatenate str (not "type") to str'),
    (lambda: IDset([1, "a"]), "TypeError: '<' not supported between instances of 'str' and 'int'"),
    (lambda: IDset(True), "ValueError: IDset(): Invalid argument: True"),
    (lambda: IDset(b"1"), "49"),
    (lambda: IDset("3-3"), "ValueError: IDset(): Invalid argument: 3-3"),
    (lambda: IDset("[5]"), "5"),
    (lambda: IDset("1,,2"), "1-2"),
    # encode flags
    (lambda: IDset("0-3").encode(0), "0,1,2,3"),
    (lambda: IDset("0-3").encode(IDSET_FLAG_RANGE | IDSET_FLAG_BRACKETS), "[0-3]"),
    (lambda: IDset("5").encode(IDSET_FLAG_BRACKETS), "5"),
    (lambda: IDset("0-3").encode(1), "RuntimeError: cannot use string() on <cdata 'char *' NULL>"),
    (lambda: repr(IDset("1-3", flags=0)), "IDset('1-3')"),
    # id limits: ids are below 2**31, arguments are C unsigned ints
    (lambda: IDset().set(2**31), "OSError: [Errno 34] ERANGE: Numerical result out of range"),
    (lambda: IDset().set(2**31 - 1), "2147483647"),
    (lambda: IDset().set(IDSET_INVALID_ID), "OSError: [Errno 22] EINVAL: Invalid argument"),
    (lambda: IDset().set(1, 2**31), "OSError: [Errno 34] ERANGE: Numerical result out of range"),
    (lambda: IDset("0-3").clear(2**31 + 5), "0-3"),
    (lambda: IDset("0-3").clear(2**32 - 1), "OSError: [Errno 22] EINVAL: Invalid argument"),
    (lambda: IDset("0-3").test(2**40), "OverflowError: integer 1099511627776 does not fit '32-bit unsigned int'"),
    (lambda: IDset("0-3").test(2**31 + 5), False),
    (lambda: IDset("0-3").next(2**32 - 1), 0),
    (lambda: IDset("0-3").next(IDSET_INVALID_ID), IDSET_INVALID_ID),
    (lambda: IDset().first(), 4294967294),
    # comparison and item assignment
    (lambda: IDset().__setitem__(0, 7), "TypeError: IDset setitem must be bool or 0,1 not <class 'int'>"),
    (lambda: IDset("1") == [1], "TypeError: "),
    (lambda: hash(IDset()), "TypeError: unhashable type: 'IDset'"),
    # set algebra takes strings and iterables; results encode with ranges
    (lambda: IDset("1-3", flags=0).union("5", [7, 6]), "1-3,5-7"),
    (lambda: IDset("0-10").intersect("2-20", [3, 4, 9]), "3-4,9"),
    (lambda: IDset("0-10").difference("2-3", [9]), "0-1,4-8,10"),
]


@pytest.mark.parametrize("call, expected", IDSET)
def test_idset(call, expected):
    assert outcome(call) == expected


HL = "foo[0-3],bar,f00[1-2],x01y[2-3]"
ENOENT = "FileNotFoundError: [Errno 2] ENOENT: No such file or directory"
EINVAL = "OSError: [Errno 22] EINVAL: Invalid argument"

FIND = [
    ("bar", 4), ("f001", 5), ("f002", 6), ("x01y2", 7),
    # a zero-padded number matches only a run of a compatible width
    ("foo03", ENOENT), ("f0001", ENOENT), ("f01", ENOENT), ("x01y02", ENOENT),
    ("foo-1", ENOENT), ("foo1x", ENOENT), ("", ENOENT),
    ("foo,bar", EINVAL), ("foo[", EINVAL),
]  # fmt: skip


@pytest.mark.parametrize("host, expected", FIND)
def test_find(host, expected):
    assert outcome(lambda: Hostlist(HL).find(host)) == expected


@pytest.mark.parametrize(
    "hosts, expected",
    [
        # overlapping runs split into runs that at most touch
        ("foo[5-7,7-8]", "foo[5-7,7-8]"),
        ("foo[5-7,6-8]", "foo[5-6,6-7,7-8]"),
        ("foo[5-9,6-7]", "foo[5-6,6-7,7-9]"),
        # byte order of prefixes, a single host before a numbered run
        ("a10b1,a9b1,a,A,_x,b", "A,_x,a,a10b1,a9b1,b"),
        ("foo9,foo10,foo1,bar", "bar,foo[1,9-10]"),
        ("foo[1-3,01-03,001-003],foo", "foo,foo[1-3,01-03,001-003]"),
    ],
)
def test_sort(hosts, expected):
    assert str(Hostlist(hosts).sort()) == expected


@pytest.mark.parametrize(
    "hosts, expected",
    [
        ("foo[5-7,6-8]", "foo[5-8]"),
        ("foo[5-9,6-7],foo3", "foo[3,5-9]"),
        ("x,x,x,y,x", "x,y"),
        ("foo[1-3,01-03,001-003],foo", "foo,foo[1-3,01-03,001-003]"),
    ],
)
def test_uniq(hosts, expected):
    assert str(Hostlist(hosts).uniq()) == expected


@pytest.mark.parametrize(
    "hosts, doomed, expected",
    [
        # runs left after a deletion are not merged again
        ("foo1,foo5,foo2", "foo5", (1, "foo[1,2]")),
        # only the first occurrence goes
        ("foo[1-5],foo[1-5]", "foo3", (1, "foo[1-2,4-5,1-5]")),
        ("foo[1-5]", "foo[3-4],foo1", (3, "foo[2,5]")),
    ],
)
def test_delete(hosts, doomed, expected):
    hl = Hostlist(hosts)
    assert (hl.delete(doomed), str(hl)) == expected


OTHERS = [
    (lambda: Hostlist("foo[1-3]").delete("foo["), EINVAL),
    (lambda: Hostlist("n[1-3]").index(["n1,n1", "n2"]), [0, 0, 1]),
    (lambda: Hostlist("n[1-3]").index("x[1-3],n1"), "FileNotFoundError: hosts 'x[1-3]' not found"),
    (lambda: Hostlist("n[1-3]").index("x"), "FileNotFoundError: host 'x' not found"),
    (lambda: Hostlist("a[1-3]")[[2, 0, 0]], "a[3,1,1]"),
    (lambda: Hostlist("foo[1-3]")[5:0:-1], "foo[3,2]"),
    (lambda: Hostlist("a1")[1.5], "TypeError: Hostlist index must be integer or slice"),
    (lambda: Hostlist("a[1-3]")[-4], "IndexError: Hostlist index out of range"),
    (lambda: Hostlist(["", "a", "b[1-2]"]), "a,b[1-2]"),
    (lambda: Hostlist(["a[", 1]), "ValueError: Invalid hostlist: 'a['"),
    (lambda: Hostlist(5), "TypeError: Hostlist(): expected string or Iterable, got <class 'int'>"),
    (lambda: Hostlist("a[1-3]").append(Hostlist("a4"), "a[5-6],b", []), 4),
    # ambiguous padding: foo9 and foo10 join, node1 and node01 do not
    (lambda: Hostlist(["node1", "node01", "foo9", "foo10"]), "node[1,01],foo[9-10]"),
]


@pytest.mark.parametrize("call, expected", OTHERS)
def test_hostlist(call, expected):
    assert outcome(call) == expected
