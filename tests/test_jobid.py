"""fluxsim.job.JobID against flux-core 0.88's job ID encodings (RFC 19).

Expected values are copied from flux-core v0.88.0's own tests:
``t/python/t0010-job.py`` (test_24_jobid) and
``src/common/libutil/test/fluid.c`` (f58_tests, fluid_parse_tests and the
invalid-input checks), so a pass here means "encodes and parses like flux".
"""

import errno
import locale

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluxsim.job.JobID import JobID, id_encode, id_parse

# t/python/t0010-job.py, test_24_jobid: one row per id, every encoding.
T0010_PARSE_TESTS = [
    {
        "int": 0,
        "dec": "0",
        "hex": "0x0",
        "dothex": "0000.0000.0000.0000",
        "kvs": "job.0000.0000.0000.0000",
        "f58": "ƒ1",
        "words": "academy-academy-academy--academy-academy-academy",
        "emoji": "😃",
    },
    {
        "int": 1,
        "dec": "1",
        "hex": "0x1",
        "dothex": "0000.0000.0000.0001",
        "kvs": "job.0000.0000.0000.0001",
        "f58": "ƒ2",
        "words": "acrobat-academy-academy--academy-academy-academy",
        "emoji": "😄",
    },
    {
        "int": 65535,
        "dec": "65535",
        "hex": "0xffff",
        "dothex": "0000.0000.0000.ffff",
        "kvs": "job.0000.0000.0000.ffff",
        "f58": "ƒLUv",
        "words": "nevada-archive-academy--academy-academy-academy",
        "emoji": "💁📚",
    },
    {
        "int": 6787342413402046,
        "dec": "6787342413402046",
        "hex": "0x181d0d4d850fbe",
        "dothex": "0018.1d0d.4d85.0fbe",
        "kvs": "job.0018.1d0d.4d85.0fbe",
        "f58": "ƒuzzybunny",
        "words": "cake-plume-nepal--neuron-pencil-academy",
        "emoji": "👴😱🔚🎮🕙🚩",
    },
    {
        "int": 18446744073709551614,
        "dec": "18446744073709551614",
        "hex": "0xfffffffffffffffe",
        "dothex": "ffff.ffff.ffff.fffe",
        "kvs": "job.ffff.ffff.ffff.fffe",
        "f58": "ƒjpXCZedGfVP",
        "words": "mustang-analyze-verbal--natural-analyze-verbal",
        "emoji": "🚹💗💧👗😷📷📙",
    },
]

SUPPORTED = ("dec", "hex", "dothex", "kvs", "f58")
UNSUPPORTED = ("words", "emoji")

# fluid.c f58_tests: (id, f58, ASCII-prefixed f58)
FLUID_F58_TESTS = [
    (0, "ƒ1", "f1"),
    (1, "ƒ2", "f2"),
    (57, "ƒz", "fz"),
    (1234, "ƒNH", "fNH"),
    (1888, "ƒZZ", "fZZ"),
    (3363, "ƒzz", "fzz"),
    (3364, "ƒ211", "f211"),
    (4369, "ƒ2JL", "f2JL"),
    (65535, "ƒLUv", "fLUv"),
    (4294967295, "ƒ7YXq9G", "f7YXq9G"),
    (633528662, "ƒxyzzy", "fxyzzy"),
    (6731191091817518, "ƒuZZybuNNy", "fuZZybuNNy"),
    (18446744073709551614, "ƒjpXCZedGfVP", "fjpXCZedGfVP"),
    (18446744073709551615, "ƒjpXCZedGfVQ", "fjpXCZedGfVQ"),
]

# fluid.c fluid_parse_tests (the non-emoji rows) plus f58_alt_tests' "f111"
FLUID_PARSE_TESTS = [
    (0, "f111"),
    (1234, "1234"),
    (1888, "1888"),
    (3363, "3363"),
    (3364, "3364"),
    (4369, "4369"),
    (6731191091817518, "6731191091817518"),
    (18446744073709551614, "18446744073709551614"),
    (18446744073709551615, "18446744073709551615"),
    (0, "0x0"),
    (1, "0x1"),
    (57, "0x39"),
    (1234, "0x4d2"),
    (1888, "0x760"),
    (3363, "0xd23"),
    (4369, "0x1111"),
    (65535, "0xffff"),
    (4294967295, "0xffffffff"),
    (633528662, "0x25c2e156"),
    (6731191091817518, "0x17e9fb8df16c2e"),
    (18446744073709551615, "0xffffffffffffffff"),
    (0, "0.0.0.0"),
    (1, "0000.0000.0000.0001"),
    (57, "0.0.0.0039"),
    (1234, "0000.0000.0000.04d2"),
    (1888, "0000.0000.0000.0760"),
    (4369, "0000.0000.0000.1111"),
    (65535, "0.0.0.ffff"),
    (4294967295, "0000.0000.ffff.ffff"),
    (18446744073709551615, "ffff.ffff.ffff.ffff"),
    (18446462598732840960, "ffff.0000.0000.0000"),
    (281470681743360, "0000.ffff.0000.0000"),
    (4294901760, "0000.0000.ffff.0000"),
    (65535, "0000.0000.0000.ffff"),
    (2814797012533261, "a.b.c.d"),
    (281483566841860, "1.2.3.4"),
    (65535, " 0xffff   "),
]

# fluid.c and t0010-job.py invalid inputs that are decodable by fluxsim
# (words and emoji strings are covered separately)
INVALID_JOBIDS = [
    "invalid",
    "boo",
    "f",
    "0.0.0",
    "0.0.0.0.0",
    "0.0.0.g",
    "0.0.0.",
    ".0.0.0",
    "job.0.0",
    "job.0.0.0.0.0",
    "notjob.0.0.0.0",
    "f0",
    "fO",
    "fI",
    "fl",
    "f1230",
    "flux",
]


def _utf8_locale():
    return locale.nl_langinfo(locale.CODESET) == "UTF-8"


@pytest.fixture
def utf8_f58(monkeypatch):
    """Make f58 use the 'ƒ' prefix, as flux does in a UTF-8 locale."""
    if not _utf8_locale():
        pytest.skip("f58 uses the 'f' prefix outside a UTF-8 locale")
    monkeypatch.delenv("FLUX_F58_FORCE_ASCII", raising=False)


@pytest.mark.parametrize("row", T0010_PARSE_TESTS, ids=lambda row: row["dec"])
@pytest.mark.parametrize("encoding", SUPPORTED)
def test_t0010_parse_and_encode(row, encoding, utf8_f58):
    jobid = JobID(row[encoding])
    assert jobid == row["int"]
    assert repr(jobid) == f"JobID({row['int']})"
    assert getattr(jobid, encoding) == row[encoding]


@pytest.mark.parametrize("row", T0010_PARSE_TESTS, ids=lambda row: row["dec"])
def test_t0010_from_int(row, utf8_f58):
    jobid = JobID(row["int"])
    assert [getattr(jobid, enc) for enc in SUPPORTED] == [row[enc] for enc in SUPPORTED]
    assert str(jobid) == row["f58"]


@pytest.mark.parametrize("row", T0010_PARSE_TESTS, ids=lambda row: row["dec"])
@pytest.mark.parametrize("encoding", UNSUPPORTED)
def test_words_and_emoji_are_not_supported(row, encoding):
    jobid = JobID(row["int"])
    with pytest.raises(NotImplementedError):
        getattr(jobid, encoding)
    # Parsing raises something callers of flux already handle (ValueError)
    # that also says what is really going on (NotImplementedError).
    with pytest.raises(ValueError) as excinfo:
        JobID(row[encoding])
    assert isinstance(excinfo.value, NotImplementedError)


@pytest.mark.parametrize("value", INVALID_JOBIDS)
def test_invalid_jobid_raises_valueerror(value):
    with pytest.raises(ValueError, match=f"^{value} is not a valid Flux jobid$"):
        JobID(value)


@pytest.mark.parametrize("value", INVALID_JOBIDS + ["", "   ", "job."])
def test_id_parse_invalid_raises_einval(value):
    with pytest.raises(OSError) as excinfo:
        id_parse(value)
    assert excinfo.value.errno == errno.EINVAL
    assert str(excinfo.value) == "[Errno 22] EINVAL: Invalid argument"


@pytest.mark.parametrize("value", ["-1", "invalid-words-test", "🦄"])
def test_t0010_invalid_words_and_emoji_raise_valueerror(value):
    # t0010 expects ValueError; these look like words/emoji to flux's
    # parser, which fluxsim cannot decode, so it raises its hybrid error.
    with pytest.raises(ValueError):
        JobID(value)


def test_id_parse_overflow_is_erange():
    # fluid.c: ERANGE for an integer > UINT64_MAX
    with pytest.raises(OSError) as excinfo:
        id_parse("18446744073709551616")
    assert excinfo.value.errno == errno.ERANGE


@pytest.mark.parametrize("jobid, f58, f58_ascii", FLUID_F58_TESTS)
def test_fluid_f58(jobid, f58, f58_ascii, utf8_f58):
    assert id_encode(jobid, "f58") == f58
    assert id_encode(jobid, "f58plain") == f58_ascii
    assert id_parse(f58) == jobid
    assert id_parse(f58_ascii) == jobid


@pytest.mark.parametrize("jobid, f58, f58_ascii", FLUID_F58_TESTS[:4])
def test_f58_force_ascii(jobid, f58, f58_ascii, monkeypatch):
    monkeypatch.setenv("FLUX_F58_FORCE_ASCII", "1")
    assert JobID(jobid).f58 == f58_ascii
    assert str(JobID(jobid)) == f58_ascii


@pytest.mark.parametrize("jobid, text", FLUID_PARSE_TESTS)
def test_fluid_parse(jobid, text):
    assert id_parse(text) == jobid
    assert JobID(text) == jobid


@pytest.mark.parametrize(
    "text, jobid",
    [
        # flux_job_id_parse skips leading whitespace and a "job." prefix
        ("  42", 42),
        ("job.0000.0000.0000.002a", 42),
        (" job.ƒj", 42),
        # strtoull and glibc sscanf("%4x") leniencies flux inherits
        ("+42", 42),
        ("42 \t", 42),
        ("0x1.0.0.0", 1 << 48),
        ("0.0.0.0x", 0),
        (" 1. 2.3.4", 281483566841860),
    ],
)
def test_parse_leniencies_match_flux(text, jobid):
    assert id_parse(text) == jobid


def test_jobid_from_jobid_keeps_original_string():
    # t0010: "JobID can also take a JobID"
    jobid1 = JobID(1234)
    jobid2 = JobID(jobid1)
    assert jobid1 == jobid2
    assert jobid2.orig == "1234"
    assert JobID("ƒNH").orig == "ƒNH"


def test_jobid_is_an_int():
    jobid = JobID("0x10")
    assert isinstance(jobid, int)
    assert jobid + 1 == 17
    assert {16: "x"}[jobid] == "x"


@pytest.mark.parametrize("encoding", ["DEC", "Hex", "DOTHEX", "KVS", "F58PLAIN"])
def test_encoding_names_are_case_insensitive(encoding):
    assert id_encode(1234, encoding) == id_encode(1234, encoding.lower())


def test_encode_none_is_decimal():
    assert id_encode(1234, None) == "1234"
    assert JobID(1234).encode() == "1234"


def test_encode_unknown_encoding_is_eproto():
    with pytest.raises(OSError) as excinfo:
        id_encode(1234, "base64")
    assert excinfo.value.errno == errno.EPROTO
    assert str(excinfo.value) == "[Errno 71] EPROTO: Protocol error"


@pytest.mark.parametrize(
    "jobid, message",
    [(-1, "can't convert negative number to unsigned"), (1 << 64, "int too big to convert")],
)
def test_encode_out_of_range(jobid, message):
    with pytest.raises(OverflowError, match=message):
        id_encode(jobid, "dec")


def test_non_string_argument_is_invalid_arguments():
    with pytest.raises(ValueError, match="Invalid arguments passed to wrapped C function"):
        JobID(1.5)
    with pytest.raises(ValueError, match="None is not a valid Flux jobid"):
        JobID(None)


@given(st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_every_encoding_round_trips(value):
    jobid = JobID(value)
    for encoding in ("dec", "hex", "dothex", "kvs", "f58", "f58plain"):
        assert JobID(jobid.encode(encoding)) == value
