"""The fluxsim command: simulate a trace, write CSV and pictures, compare runs."""

from pathlib import Path

import pytest

from fluxsim.cli import main
from fluxsim.trace.metrics import read_summary

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GAIA = SHARED / "traces" / "UniLu-Gaia-2014-2.swf"

JOBS = "id,submit,cores,duration,run_duration\nA,0,2,10,10\nB,0,4,10,10\nC,0,1,5,5\n"


@pytest.fixture
def joblist(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text(JOBS)
    return path


def test_simulate_a_job_list_and_compare(tmp_path, joblist, capsys):
    for policy in ("fifo", "backfill"):
        rc = main(["simulate", str(joblist), "--nodes", "1", "--cores-per-node", "4",
                   "--policy", policy, "--out", str(tmp_path / policy), "--plot"])
        assert rc == 0
        assert (tmp_path / policy / "gantt.png").stat().st_size > 0
        assert (tmp_path / policy / "utilization.png").stat().st_size > 0
    fifo = read_summary(tmp_path / "fifo" / "summary.csv")
    backfill = read_summary(tmp_path / "backfill" / "summary.csv")
    # by hand (see test_trace_replay): C waits 20 s under FIFO, 0 under backfill
    assert fifo["max_wait"] == 20 and backfill["max_wait"] == 10
    assert fifo["makespan"] == 25 and backfill["makespan"] == 20
    out = capsys.readouterr().out
    assert "policy backfill" in out and "mean wait (s)" in out
    assert main(["compare", str(tmp_path / "fifo"), str(tmp_path / "backfill")]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:2] == ["fifo", "backfill"]


def test_simulate_leaves_the_garbage_collector_as_it_found_it(tmp_path, joblist):
    import gc

    argv = ["simulate", str(joblist), "--nodes", "1", "--cores-per-node", "4", "--quiet",
            "--out", str(tmp_path / "o")]
    assert gc.isenabled()
    assert main(argv) == 0 and gc.isenabled()
    gc.disable()
    try:
        assert main(argv) == 0 and not gc.isenabled()
    finally:
        gc.enable()


def test_the_command_leaves_its_objects_to_the_process_exit(tmp_path, joblist, monkeypatch):
    import gc
    import sys

    monkeypatch.setattr(sys, "argv", ["fluxsim", "simulate", str(joblist), "--nodes", "1",
                                      "--cores-per-node", "4", "--quiet", "--out", str(tmp_path)])
    try:
        assert main() == 0
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_progress_bar_shows_only_for_a_run_that_lasts():
    from fluxsim.cli import _ProgressBar

    quick = _ProgressBar(delay=3600)
    quick(256, 1000)
    assert quick.bar is None  # nor was tqdm needed
    quick.close()
    pytest.importorskip("tqdm")
    slow = _ProgressBar(delay=0)
    slow(256, 1000)
    slow(512, 1000)
    assert slow.bar.n == 512
    slow.close()


def test_errors_are_reported_not_raised(tmp_path, capsys):
    rc = main(["simulate", str(tmp_path / "missing.csv"), "--nodes", "1",
               "--cores-per-node", "1", "--out", str(tmp_path / "o")])
    assert rc == 1
    assert "fluxsim:" in capsys.readouterr().err


def test_a_job_list_needs_a_machine_size(joblist, tmp_path):
    with pytest.raises(SystemExit, match="needs --nodes and --cores-per-node"):
        main(["simulate", str(joblist), "--out", str(tmp_path / "o")])


@pytest.mark.skipif(not GAIA.exists(), reason="shared trace not available")
def test_simulate_the_shared_trace_from_its_header(tmp_path, capsys):
    out = tmp_path / "gaia"
    rc = main(["simulate", str(GAIA), "--limit", "300", "--policy", "backfill",
               "--out", str(out), "--plot", "--quiet"])
    assert rc == 0
    summary = read_summary(out / "summary.csv")
    # MaxNodes 151, ceil(MaxProcs 2004 / 151) = 14
    assert (summary["nodes"], summary["cores_per_node"]) == (151, 14)
    assert summary["jobs"] == 300
    assert len((out / "jobs.csv").read_text().splitlines()) == 301
    assert (out / "gantt.png").exists() and (out / "utilization.png").exists()
    assert capsys.readouterr().out == ""
