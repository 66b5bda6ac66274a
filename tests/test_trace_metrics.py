"""Per-job and per-run metrics, checked against hand-computed values."""

import pytest

from fluxsim.resource.rv1 import Rv1
from fluxsim.trace.metrics import (
    JOB_COLUMNS,
    compare,
    format_summary,
    job_metrics,
    job_rows,
    percentile,
    read_summary,
    run_metrics,
    timeline,
    write_jobs_csv,
    write_summary_csv,
)
from fluxsim.trace.replay import JobRecord


def rec(name, submit, start, end, ncores, result="COMPLETED"):
    r = JobRecord(name, submit)
    r.start, r.end, r.result = start, end, result
    if start is not None:
        r.R = Rv1.from_shape(1, ncores)
    return r


class Result:
    """A replay result made by hand: 8 cores."""

    ncores = 8
    wall = 2.0

    def __init__(self, records):
        self.records = records


RECORDS = [
    #   submit start end cores      wait run  response  bsld
    rec("a", 0, 0, 100, 4),       #  0  100   100       1
    rec("b", 0, 5, 10, 2),        #  5    5    10       10 / max(5, 10) = 1
    rec("c", 10, 30, 50, 8),      # 20   20    40       40 / 20 = 2
    rec("d", 20, 30, 60, 1),      # 10   30    40       40 / 30 = 1.333...
    rec("e", 20, None, 25, 0, "CANCELED"),
]


def test_job_metrics_by_hand():
    rows = {r["name"]: r for r in job_metrics(RECORDS)}
    assert [rows[n]["wait"] for n in "abcd"] == [0, 5, 20, 10]
    assert [rows[n]["response"] for n in "abcd"] == [100, 10, 40, 40]
    assert [rows[n]["bsld"] for n in "abcd"] == [1.0, 1.0, 2.0, pytest.approx(40 / 30)]
    assert rows["e"]["wait"] is None and rows["e"]["ncores"] is None
    assert rows["c"]["ncores"] == 8 and rows["c"]["nnodes"] == 1 and rows["c"]["ranks"] == "0"


def test_run_metrics_by_hand():
    m = run_metrics(Result(RECORDS))
    assert (m["jobs"], m["started"], m["completed"], m["canceled"], m["never_started"]) == (
        5, 4, 4, 1, 1)
    assert m["makespan"] == 100
    # core-seconds: 4*100 + 2*5 + 8*20 + 1*30 = 600 of 8 cores x 100 s
    assert m["utilization"] == pytest.approx(0.75)
    assert m["mean_wait"] == 8.75 and m["median_wait"] == 7.5
    assert m["p95_wait"] == 20 and m["max_wait"] == 20
    assert m["mean_response"] == 47.5
    assert m["mean_bsld"] == pytest.approx((1 + 1 + 2 + 40 / 30) / 4)
    # pending: b at 0-5; c at 10-30; d and e from 20 (e cancelled at 25): 3 at 20-25
    assert m["max_queue_length"] == 3
    assert m["wall"] == 2.0 and m["rate"] == 2.5


def test_timeline_steps():
    times, used, pending = timeline(RECORDS)
    assert times == [0, 5, 10, 20, 25, 30, 50, 60, 100]
    assert used == [4, 6, 4, 4, 4, 13, 5, 4, 0]
    assert pending == [1, 0, 1, 3, 2, 0, 0, 0, 0]


@pytest.mark.parametrize("values, fraction, expected", [
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95, 10),
    (list(range(1, 21)), 0.95, 19),
    ([3], 0.95, 3),
    ([], 0.95, None),
])
def test_nearest_rank_percentile(values, fraction, expected):
    assert percentile(values, fraction) == expected


def test_csv_files_and_tables(tmp_path):
    result = Result(RECORDS)
    write_jobs_csv(result, tmp_path / "jobs.csv")
    lines = (tmp_path / "jobs.csv").read_text().splitlines()
    assert lines[0].startswith("name,jobid,submit,start,end,wait,response,run,bsld,nnodes,ncores")
    assert len(lines) == 6
    summary = run_metrics(result)
    write_summary_csv(summary, tmp_path / "summary.csv", {"policy": "fifo"})
    again = read_summary(tmp_path / "summary.csv")
    assert again["policy"] == "fifo" and again["mean_wait"] == 8.75 and again["jobs"] == 5
    table = format_summary(summary, "title")
    assert table.splitlines()[0] == "title" and "mean bounded slowdown" in table
    other = dict(again, mean_wait=17.5)
    text = compare(again, other)
    row = [line for line in text.splitlines() if "mean wait" in line][0]
    assert row.split()[-2:] == ["8.750", "2.000"]


def test_job_rows_are_job_metrics_in_column_order():
    assert [dict(zip(JOB_COLUMNS, row)) for row in job_rows(RECORDS)] == job_metrics(RECORDS)
    result = Result(RECORDS)
    assert run_metrics(result, rows=job_rows(result)) == run_metrics(result)


def on_ranks(name, ranks, nnodes=4, cores_per_node=2):
    r = JobRecord(name, 0.5)
    r.start, r.end, r.result = 1.0, 2.25, "COMPLETED"
    r.R = Rv1.from_shape(nnodes, cores_per_node).copy_ranks(ranks)
    return r


def test_allocations_on_the_same_ranks_share_their_encoding_not_their_sizes():
    whole = on_ranks("whole", [0, 1, 3])
    half = on_ranks("half", [0, 1, 3], cores_per_node=1)
    again = on_ranks("again", [0, 1, 3])  # an equal R, another object
    rows = {r["name"]: r for r in job_metrics([whole, half, again])}
    assert rows["whole"]["ranks"] == rows["half"]["ranks"] == "0-1,3"
    assert rows["whole"]["nodelist"] == rows["half"]["nodelist"] == "node[0-1,3]"
    assert (rows["whole"]["ncores"], rows["half"]["ncores"], rows["again"]["ncores"]) == (6, 3, 6)
    assert rows["whole"]["nnodes"] == 3


def test_jobs_csv_cells_none_empty_floats_as_repr(tmp_path):
    write_jobs_csv([on_ranks("f", [0, 1, 3]), rec("e", 20, None, 25, 0, "CANCELED")],
                   tmp_path / "jobs.csv")
    lines = (tmp_path / "jobs.csv").read_text().splitlines()
    # name,jobid,submit,start,end,wait,response,run,bsld,nnodes,ncores,ngpus,
    # result,exception,status,order,ranks,nodelist
    assert lines[1] == 'f,,0.5,1.0,2.25,0.5,1.75,1.25,1.0,3,6,0,COMPLETED,,,,"0-1,3","node[0-1,3]"'
    assert lines[2] == "e,,20,,25,,,,,,,,CANCELED,,,,,"
