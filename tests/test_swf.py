"""The SWF reader: header comments, 18 fields, -1 = unknown (Parallel Workloads Archive)."""

import io
from pathlib import Path

import pytest

from fluxsim.trace.swf import FIELDS, SWFRecord, iter_swf, read_swf

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GAIA = SHARED / "traces" / "UniLu-Gaia-2014-2.swf"

SAMPLE = """\
; Version: 2.2
;  Installation: Test Cluster
; UnixStartTime: 1400749079
; MaxNodes: 4
; MaxProcs: 16
; Queue: 0 interactive
; Queue: 1 batch
;  |  2|  3
; free text without a key
1 0 5 60 4 12.50 -1 4 120 -1 1 3 1 -1 1 -1 -1 -1
2 10 -1 -1 -1 -1 -1 8 3600 -1 5 4 2 7 0 1 1 30

3 12.5 0 0 2 -1 -1 -1 -1 -1 0 3 1 -1 1 -1 -1 -1
"""


def test_fields_are_the_18_of_the_standard():
    assert len(FIELDS) == 18 == len(SWFRecord._fields)
    assert FIELDS[:5] == (
        "job_number", "submit_time", "wait_time", "run_time", "allocated_processors"
    )
    assert FIELDS[10] == "status" and FIELDS[17] == "think_time"


def test_records_keep_values_and_unknowns_are_none():
    trace = read_swf(io.StringIO(SAMPLE))
    first, second, third = trace.records
    assert first == SWFRecord(1, 0, 5, 60, 4, 12.5, None, 4, 120, None, 1, 3, 1, None, 1,
                              None, None, None)
    assert second.wait_time is None and second.run_time is None
    assert second.requested_processors == 8 and second.status == 5
    assert (second.queue, second.partition, second.preceding_job, second.think_time) == (0, 1, 1, 30)
    assert third.submit_time == 12.5 and isinstance(third.submit_time, float)
    assert third.run_time == 0 and third.requested_processors is None


def test_header_fields_and_comments():
    header = read_swf(io.StringIO(SAMPLE)).header
    assert header.max_nodes == 4 and header.max_procs == 16
    assert header.unix_start_time == 1400749079
    assert header.get("Installation") == "Test Cluster"
    assert header.fields["Queue"] == ["0 interactive", "1 batch"]
    assert "free text without a key" in header.comments
    assert header.max_jobs is None


@pytest.mark.parametrize(
    "line, message",
    [
        ("1 0 5 60 4", "expected 18 fields, found 5"),
        ("1 0 5 60 4 x -1 4 120 -1 1 3 1 -1 1 -1 -1 -1", "not a number"),
    ],
)
def test_malformed_line_names_the_line(line, message):
    with pytest.raises(ValueError, match=rf"<stream>:2: {message}"):
        read_swf(io.StringIO("; MaxNodes: 1\n" + line + "\n"))


@pytest.mark.parametrize(
    "text, value",
    [
        ("12.50", 12.5),
        ("7", 7),
        ("007", 7),
        ("0", 0),
        ("-1", None),
        ("-0.5", None),  # any negative number is unknown, not just -1
        ("-3", None),
        ("1e3", 1000.0),  # no ".", still a float
        ("+5", 5),
    ],
)
def test_numbers_keep_their_type_and_negatives_are_unknown(text, value):
    line = f"1 0 5 60 4 {text} -1 4 120 -1 1 3 1 -1 1 -1 -1 -1\n"
    got = read_swf(io.StringIO(line)).records[0].average_cpu_time
    assert got == value and type(got) is type(value)


def test_limit_and_iteration():
    assert len(read_swf(io.StringIO(SAMPLE), limit=2)) == 2
    assert [r.job_number for r in iter_swf(io.StringIO(SAMPLE))] == [1, 2, 3]
    assert [r.job_number for r in iter_swf(io.StringIO(SAMPLE), limit=1)] == [1]


def test_reads_a_path(tmp_path):
    path = tmp_path / "t.swf"
    path.write_text(SAMPLE)
    trace = read_swf(path)
    assert trace.source == str(path) and len(trace) == 3


@pytest.mark.skipif(not GAIA.exists(), reason="shared trace not available")
def test_gaia_trace_header_and_size():
    trace = read_swf(GAIA)
    assert len(trace) == 51987 == trace.header.max_jobs
    assert (trace.header.max_nodes, trace.header.max_procs) == (151, 2004)
    first = trace.records[0]
    # the first job line of the file, as written
    assert (first.job_number, first.submit_time, first.run_time, first.allocated_processors,
            first.requested_time, first.status) == (1, 0, 35541, 160, 108000, 1)
