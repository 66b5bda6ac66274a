"""Work done aside (``fluxsim.aside``): in a forked child where that is safe,
in line otherwise; what the work raised reaches the caller either way."""

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from fluxsim.aside import aside

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORKS = hasattr(os, "fork")


def _note_pid(path):
    with open(path, "w", encoding="utf-8") as f:
        f.write(str(os.getpid()))


def _run(code):
    """Run ``code`` in a fresh interpreter (one thread: the fork path)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not FORKS, reason="os.fork is not available here")
def test_a_single_threaded_caller_gets_the_work_done_by_a_child(tmp_path):
    done = _run(f"""
        import os
        from fluxsim.aside import aside
        from tests.test_aside import _note_pid
        with aside(_note_pid, {str(tmp_path / "pid")!r}):
            pass
        try:
            os.waitpid(-1, os.WNOHANG)
            print(os.getpid(), "a child is left")
        except ChildProcessError:
            print(os.getpid(), "no child left")
    """)
    assert done.returncode == 0, done.stderr
    pid, left = done.stdout.split(maxsplit=1)
    assert int((tmp_path / "pid").read_text()) != int(pid)
    assert left.strip() == "no child left"  # waited for, not left a zombie


@pytest.mark.skipif(not FORKS, reason="os.fork is not available here")
def test_what_the_child_raised_is_raised_in_the_caller(tmp_path):
    done = _run(f"""
        from fluxsim.aside import aside
        try:
            with aside(open, {str(tmp_path)!r}, "w"):
                pass
        except IsADirectoryError as exc:
            print("raised", exc)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"raised [Errno 21] Is a directory: {str(tmp_path)!r}"


def test_with_other_threads_running_the_work_is_done_in_line(tmp_path):
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with aside(_note_pid, tmp_path / "pid"):
            assert int((tmp_path / "pid").read_text()) == os.getpid()
        with pytest.raises(IsADirectoryError):
            with aside(open, tmp_path, "w"):
                pass
    finally:
        stop.set()
        thread.join()


@pytest.mark.skipif(not FORKS, reason="os.fork is not available here")
def test_simulate_reports_a_jobs_csv_it_could_not_write(tmp_path):
    jobs = tmp_path / "jobs.txt"
    jobs.write_text("id,submit,cores,duration,run_duration\nA,0,2,10,10\n")
    (tmp_path / "out" / "jobs.csv").mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-m", "fluxsim.cli", "simulate", str(jobs), "--format", "csv",
         "--nodes", "1", "--cores-per-node", "4", "--out", str(tmp_path / "out"), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"fluxsim: [Errno 21] Is a directory: {str(tmp_path / 'out' / 'jobs.csv')!r}")
    # the summary is written beside it all the same
    assert (tmp_path / "out" / "summary.csv").stat().st_size > 0
