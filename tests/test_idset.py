"""RFC 22 idsets behave as flux-core 0.88's libidset.

Expected values are libidset's own test table (src/common/libidset/test/idset.c,
``test_inputs``): input, ids, and the encodings with IDSET_FLAG_RANGE and
IDSET_FLAG_RANGE|IDSET_FLAG_BRACKETS.
"""

import pytest

from fluxsim.resource import idset

# (input, ids, IDSET_FLAG_RANGE encoding, RANGE|BRACKETS encoding)
CODEC = [
    ("2", [2], "2", "2"),
    ("7-9", [7, 8, 9], "7-9", "[7-9]"),
    ("1,7-9", [1, 7, 8, 9], "1,7-9", "[1,7-9]"),
    ("1,7-9,16", [1, 7, 8, 9, 16], "1,7-9,16", "[1,7-9,16]"),
    ("1,7-9,14,16", [1, 7, 8, 9, 14, 16], "1,7-9,14,16", "[1,7-9,14,16]"),
    ("1-3,7-9,14,16", [1, 2, 3, 7, 8, 9, 14, 16], "1-3,7-9,14,16", "[1-3,7-9,14,16]"),
    ("2,3,4,5", [2, 3, 4, 5], "2-5", "[2-5]"),
    ("", [], "", ""),
    ("1048576", [1048576], "1048576", "1048576"),
    ("[2]", [2], "2", "2"),
    ("[7-9]", [7, 8, 9], "7-9", "[7-9]"),
    ("[2,3,4,5]", [2, 3, 4, 5], "2-5", "[2-5]"),
    ("[0]", [0], "0", "0"),
    ("[]", [], "", ""),
]

# libidset test_inputs entries with a NULL result: decoding must fail.
INVALID = [
    "4.2", "x", "1-2x", "01,2", "00", "3,2", "3-0", "2,2,2,2",
    "[0", "0]", "[[0]]", "[[0,2]", "[0,2]]", "0,[2", "0]2", "0-", "[0-]", "-5", "[-5]",
]  # fmt: skip


@pytest.mark.parametrize("text, ids, ranged, bracketed", CODEC)
def test_decode(text, ids, ranged, bracketed):
    assert idset.expand(text) == ids
    assert idset.decode(text).expand() == ids


@pytest.mark.parametrize("text, ids, ranged, bracketed", CODEC)
def test_encode_ranges(text, ids, ranged, bracketed):
    assert idset.encode(ids) == ranged


@pytest.mark.parametrize("text, ids, ranged, bracketed", CODEC)
def test_encode_brackets_only_sets_of_more_than_one(text, ids, ranged, bracketed):
    assert idset.encode(ids, brackets=True) == bracketed


@pytest.mark.parametrize("text, ids, ranged, bracketed", CODEC)
def test_mask_round_trip(text, ids, ranged, bracketed):
    mask = idset.to_mask(ids)
    assert idset.from_mask(mask) == ids
    assert idset.mask_encode(mask) == ranged
    assert idset.mask_encode(mask, brackets=True) == bracketed


@pytest.mark.parametrize("text, ids, ranged, bracketed", CODEC)
def test_to_mask_accepts_idset_string(text, ids, ranged, bracketed):
    assert idset.to_mask(text) == idset.to_mask(ids)


@pytest.mark.parametrize("text", INVALID)
def test_invalid_input_raises_value_error(text):
    with pytest.raises(ValueError, match="invalid idset"):
        idset.expand(text)
    # flux.idset's own message for the same refusal
    with pytest.raises(ValueError, match="IDset\\(\\): Invalid argument"):
        idset.decode(text)


def test_two_consecutive_ids_are_a_range():
    # libidset test OP_UNION: "[0]" + "[1]" encodes as "[0-1]".
    assert idset.encode([0, 1], brackets=True) == "[0-1]"
    assert idset.encode([1, 0]) == "0-1"


@pytest.mark.parametrize(
    "text, reason",
    [
        # Messages of src/common/libidset/idset_decode.c.
        ("3,2", "range '2' is out of order"),
        ("x", "error parsing range 'x'"),
        ("[0", "mismatched or nested brackets"),
        ("2147483648", "set universe size would exceed maximum"),
    ],
)
def test_error_message_gives_libidset_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        idset.expand(text)


def test_encode_ignores_order_and_duplicates():
    # IDset([...]) in flux sorts its input; a set has no duplicates.
    assert idset.encode([9, 7, 8, 8, 1]) == "1,7-9"


def test_from_mask_of_a_long_mask():
    ids = list(range(0, 5000, 3)) + [9999]
    assert idset.from_mask(idset.to_mask(ids)) == ids
