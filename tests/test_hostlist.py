"""RFC 29 hostlists behave as flux-core 0.88's libhostlist.

Expected values are libhostlist's own tests
(src/common/libhostlist/test/hostlist.c).
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluxsim.resource import hostlist

# test_encode_decode ``codec_tests``: (input, encoded output, host count)
CODEC = [
    ("foo-1a-2,foo-1a-3", "foo-1a-[2-3]", 2),
    ("foo1,foo2,foo3,fooi", "foo[1-3],fooi", 4),
    ("foo1,fooi,foo2,foo3", "foo1,fooi,foo[2-3]", 4),
    ("fooi,foo1,foo2,foo3", "fooi,foo[1-3]", 4),
    ("fooi,foo1,foo2,foo3,foo5,foo7,foo8", "fooi,foo[1-3,5,7-8]", 7),
    ("1,2,3,4,5,9", "[1-5,9]", 6),
    (",1,2,3,4,5,9", "[1-5,9]", 6),
    (",1,2,3,4,5,9,", "[1-5,9]", 6),
    ("[1-5]", "[1-5]", 5),
    ("foo[1,3]-bar", "foo1-bar,foo3-bar", 2),
    ("[00-03]p", "00p,01p,02p,03p", 4),
    ("p[00-3]p", "p00p,p01p,p02p,p03p", 4),
    ("14636", "14636", 1),
    ("", "", 0),
]

# test_invalid_decode: hostlist_decode() returns NULL.
INVALID = ["[]", "foo[]", "foo[", "foo[1,3", "foo[[1,3]", "foo]", "foo[x-y]", "foo[0-1,2--5]"]

# test_iteration ``iterator_inputs``: expanding and re-encoding gives the input.
ROUND_TRIP = [
    "mcr[336-359,488-550,553,556,559,561,567,569-571,573-575,578,581,584,587-589,592,"
    "594,597,600-602,605,608,610,618-622,627,634,636-670,687-696,699-733,735-742,"
    "744-760,762-773]",
    "mcr[774-796,799-814,986,1096-1114,1147-1151]",
    "really-long-hostname-prefix[10101,55,35,2]",
    "[336-359,488-550,553,556,559,561,567,569-571,573-575,578,581,584,587-589,592,594,"
    "597,600-602,605,608,610,618-622,627,634,636-670,687-696,699-733,735-742,744-760,"
    "762-773]",
    "one,two,three,four,five",
]


@pytest.mark.parametrize("text, encoded, count", CODEC)
def test_decode_counts_hosts(text, encoded, count):
    assert len(hostlist.decode(text)) == count


@pytest.mark.parametrize("text, encoded, count", CODEC)
def test_encode_of_decoded(text, encoded, count):
    assert hostlist.encode(hostlist.decode(text)) == encoded


@pytest.mark.parametrize("text, encoded, count", CODEC)
def test_encode_of_string_reencodes(text, encoded, count):
    assert hostlist.encode(text) == encoded


@pytest.mark.parametrize("text", INVALID)
def test_invalid_input_raises_value_error(text):
    with pytest.raises(ValueError, match="Invalid hostlist"):
        hostlist.decode(text)


def test_range_of_more_than_a_million_hosts_is_refused():
    # test_basic: "foo[0-1048576]" fails with ERANGE.
    with pytest.raises(ValueError):
        hostlist.decode("foo[0-1048576]")


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_expand_then_encode_is_identity(text):
    assert hostlist.encode(hostlist.decode(text)) == text


def test_encode_keeps_order():
    # test_append: "foo12" then "foo[4,1-2]" encodes as "foo[12,4,1-2]".
    assert hostlist.encode(["foo12", "foo[4,1-2]"]) == "foo[12,4,1-2]"


def test_encode_appends_lists():
    # test_append: appending "bar[26-30]" to the list above.
    assert hostlist.encode(["foo12", "foo[4,1-2]", "bar[26-30]"]) == "foo[12,4,1-2],bar[26-30]"


def test_decode_keeps_order():
    # test_nth: "foo[1-2,4,5],bar" has foo1 first, foo4 third, bar fifth.
    assert list(hostlist.decode("foo[1-2,4,5],bar")) == ["foo1", "foo2", "foo4", "foo5", "bar"]


@pytest.mark.parametrize(
    "text, index, host",
    [
        # test_find: (input, host, position) with zero padding in play.
        ("i[00-05]", 0, "i00"),
        ("i[00-05]", 4, "i04"),
        ("f00[7-8]", 0, "f007"),
        ("f00[7-8,10]", 2, "f0010"),
        ("f0010001[07-08]", 1, "f001000108"),
        ("foo[1-5]-eth0", 2, "foo3-eth0"),
        ("[0-5]", 3, "3"),
    ],
)
def test_zero_padding_and_suffixes(text, index, host):
    assert hostlist.decode(text)[index] == host


@pytest.mark.parametrize(
    "hosts, encoded",
    [
        # test_sortuniq inputs, unsorted: duplicates and order are kept
        # (outputs as flux-core 0.88's Hostlist(list) gives them).
        (["foo", "f", "bar", "baz"], "foo,f,bar,baz"),
        (["foo[5-6]", "foo3", "foo4"], "foo[5-6,3-4]"),
        (["bar1", "bar2", "foo1", "foo", "foo"], "bar[1-2],foo1,foo,foo"),
        # Ambiguous padding: foo9 and foo10 join, node1 and node01 do not.
        (["foo9", "foo10"], "foo[9-10]"),
        (["node1", "node01"], "node[1,01]"),
    ],
)
def test_encode_does_not_sort_or_dedupe(hosts, encoded):
    assert hostlist.encode(hosts) == encoded


def test_rfc29_example():
    # RFC 29: four consecutive hosts compress to one bracketed range.
    assert hostlist.encode(["node0", "node1", "node2", "node3"]) == "node[0-3]"


# Names of a few prefixes (with digits inside, empty, or none of a number),
# numbers with and without zero padding: the nodelist fast path of
# ``encode`` must give what building the runs one name at a time gives.
_NAMES = st.builds(
    lambda prefix, number, width: prefix + (str(number).zfill(width) if width >= 0 else ""),
    st.sampled_from(["node", "n1x", "", "login", "rack-2-"]),
    st.integers(0, 120),
    st.integers(-1, 3),
)


@given(st.lists(_NAMES, max_size=12))
def test_encode_of_names_is_the_runs_encoding(hosts):
    assert hostlist.encode(hosts) == hostlist.Hostlist(hosts).encode()


@given(st.sets(st.integers(0, 300), min_size=2).map(sorted), st.integers(0, 4))
def test_encode_of_an_ascending_nodelist_is_the_runs_encoding(numbers, width):
    hosts = [f"node{str(n).zfill(width)}" for n in numbers]
    assert hostlist.encode(hosts) == hostlist.Hostlist(hosts).encode()
