"""The guest.output eventlog (RFC 24) and flux.job.output, as flux-core 0.88 has them.

Expected eventlogs were recorded from flux-core 0.88.0 (``flux start
--test-size=2``, ``flux job eventlog -p guest.output``) for the same
commands: the header; one ``data`` event per line of each task's stream,
with the task rank as a string; a trailing partial line as it is; bytes
that are no UTF-8 in base64; one ``eof`` per task stream; a ``redirect``
event (and no data) for a stream sent to a file; a failed task start as a
``log`` event of level 0.  Every test runs on an in-process instance and
on a ``fluxsim start`` broker in another process.
"""

import errno
import os

import pytest

import fluxsim
import fluxsim.job as fj
from dropin_support import broker_uri, h  # noqa: F401 - fixtures
from fluxsim.job import output as fo

OUT = "line 1\nline 2\nline 3\n"
ERR = "error 1\nerror 2\n"
CMD = f"printf '{OUT}'; printf '{ERR}' >&2"


def submit(h, cmd=CMD, ntasks=1, nodes=1, argv=None, stdout=None, stderr=None, verbose=0,
           urgency=16):
    js = fj.JobspecV1.from_command(argv or ["bash", "-c", cmd], num_tasks=ntasks,
                                   num_nodes=nodes, cores_per_task=1)
    js.environment = dict(os.environ)
    if stdout:
        js.stdout = stdout
    if stderr:
        js.stderr = stderr
    if verbose:
        js.setattr_shell_option("verbose", verbose)
    return fj.submit(h, js, waitable=True, urgency=urgency)


def finished_output(h, **kw):
    """The guest.output events of a finished job."""
    jobid = submit(h, **kw)
    fj.wait(h, jobid)
    text = fj.job_kvs_lookup(h, jobid, keys=["guest.output"], decode=False)["guest.output"]
    return [fj.EventLogEvent(line) for line in text.splitlines()]


def contexts(events, name):
    return [e.context for e in events if e.name == name]


def stream_data(events, stream, rank="0"):
    return [c.get("data") for c in contexts(events, "data")
            if c["stream"] == stream and c["rank"] == rank and not c.get("eof")]


# -- the eventlog -----------------------------------------------------------------------

def test_header_comes_first_and_counts_the_tasks(h):
    events = finished_output(h, ntasks=2)
    assert events[0].name == "header"
    assert events[0].context == {
        "version": 1, "encoding": {"stdout": "UTF-8", "stderr": "UTF-8"},
        "count": {"stdout": 2, "stderr": 2}, "options": {},
    }


@pytest.mark.parametrize("ntasks, nodes", [(1, 1), (2, 1), (2, 2)])
def test_one_data_event_per_line_per_task_then_eof(h, ntasks, nodes):
    events = finished_output(h, ntasks=ntasks, nodes=nodes)
    for rank in map(str, range(ntasks)):
        assert stream_data(events, "stdout", rank) == ["line 1\n", "line 2\n", "line 3\n"]
        assert stream_data(events, "stderr", rank) == ["error 1\n", "error 2\n"]
        eofs = [c for c in contexts(events, "data") if c["rank"] == rank and c.get("eof")]
        assert sorted(c["stream"] for c in eofs) == ["stderr", "stdout"]
        assert all("data" not in c for c in eofs)


def test_a_partial_line_is_joined_to_the_next_write_and_sent_at_eof(h):
    events = finished_output(h, cmd="printf 'abc'; printf 'x\\ny'")
    assert stream_data(events, "stdout") == ["abcx\n", "y"]


def test_lines_longer_than_a_read_or_across_reads_stay_whole(h):
    events = finished_output(h, cmd="seq 1 20000; head -c 200000 /dev/zero | tr '\\0' a; echo")
    data = stream_data(events, "stdout")
    assert data == [f"{i}\n" for i in range(1, 20001)] + ["a" * 200000 + "\n"]


def test_bytes_that_are_no_utf8_go_as_base64(h):
    events = finished_output(h, cmd="printf '\\xff\\xfe\\n'")
    (data,) = [c for c in contexts(events, "data") if "data" in c]
    assert data == {"stream": "stdout", "rank": "0", "encoding": "base64", "data": "//4K"}


def test_redirected_streams_have_redirect_events_and_no_data(h, tmp_path):
    events = finished_output(h, stdout=str(tmp_path / "{{id}}.out"))
    assert [e.name for e in events] == ["header", "redirect", "redirect"]
    assert [c["stream"] for c in contexts(events, "redirect")] == ["stdout", "stderr"]
    path = contexts(events, "redirect")[0]["path"]
    assert {c["rank"] for c in contexts(events, "redirect")} == {"0"}
    with open(path) as f:
        assert sorted(f.read().splitlines()) == sorted((OUT + ERR).splitlines())


def test_tmpdir_in_an_output_path_is_the_job_tmpdir(h):
    events = finished_output(h, stdout="{{tmpdir}}/test.out")
    paths = [c["path"] for c in contexts(events, "redirect")]
    assert len(paths) == 2 and paths[0] == paths[1]
    assert paths[0].endswith("/test.out") and "{{" not in paths[0]


def test_only_stderr_redirected_keeps_stdout_in_the_eventlog(h, tmp_path):
    events = finished_output(h, cmd="echo hi; echo err >&2", stderr=str(tmp_path / "err"))
    assert [c["stream"] for c in contexts(events, "redirect")] == ["stderr"]
    assert stream_data(events, "stdout") == ["hi\n"]
    assert stream_data(events, "stderr") == []


def test_a_task_that_fails_to_start_is_a_fatal_log_event(h):
    events = finished_output(h, argv=["/nonexistent/cmd"])
    (log,) = contexts(events, "log")
    assert log["rank"] == 0 and log["level"] == 0
    assert log["message"].startswith("task 0 (host ")
    assert log["message"].endswith("): start failed: /nonexistent/cmd: No such file or directory")


def test_shell_messages_are_logged_only_when_verbose(h):
    assert contexts(finished_output(h), "log") == []
    logs = contexts(finished_output(h, verbose=1), "log")
    assert {c["level"] for c in logs} == {fo.LOG_DEBUG}
    assert "task 0 complete status=0" in [c["message"] for c in logs]


def test_all_output_is_in_before_the_job_completes(h):
    jobid = submit(h, cmd="echo a; sleep 0.2; echo b >&2")
    fj.event_wait(h, jobid, "complete", "guest.exec.eventlog")
    text = fj.job_kvs_lookup(h, jobid, keys=["guest.output"], decode=False)["guest.output"]
    assert text.count('"eof":true') == 2


def test_the_instance_output_file_still_gets_the_output():
    with fluxsim.start(nnodes=1, cores_per_node=2) as inst:
        h = fluxsim.Flux(inst.uri)
        jobid = submit(h, ntasks=2)
        fj.wait(h, jobid)
        job = inst.jobmanager.jobs[jobid]
        with open(inst.output_path(job, "stdout")) as f:
            assert sorted(f.read().splitlines()) == sorted(OUT.splitlines() * 2)
        with open(inst.output_path(job, "stderr")) as f:
            assert sorted(f.read().splitlines()) == sorted(ERR.splitlines() * 2)


# -- job-info ---------------------------------------------------------------------------------

def test_no_output_eventlog_before_the_shell_starts(h):
    jobid = submit(h, urgency=0)
    assert fj.job_kvs_lookup(h, jobid, keys=["guest.output"]) is None
    with pytest.raises(FileNotFoundError):
        fo.job_output(h, jobid, nowait=True)
    fj.cancel(h, jobid)


def test_a_watch_streams_output_while_the_job_runs(h):
    jobid = submit(h, cmd="echo before; sleep 60")
    fj.event_wait(h, jobid, "shell.init", "guest.exec.eventlog")
    for event in fj.event_watch(h, jobid, "guest.output"):
        if event.name == "data" and event.context.get("data") == "before\n":
            break
    fj.cancel(h, jobid)
    assert fj.wait(h, jobid).success is False


# -- flux.job.output ----------------------------------------------------------------------------

def test_job_output_collects_each_stream(h):
    assert fo.job_output(h, submit(h)) == (OUT, ERR, "")


def test_job_output_labels_and_filters_tasks(h):
    out = fo.job_output(h, submit(h, ntasks=2), tasks="1", labelio=True)
    assert sorted(out.stdout.splitlines()) == [f"1: {line}" for line in OUT.splitlines()]
    assert "0:" not in out.stderr


def test_log_messages_go_to_stderr_or_to_log_by_level(h):
    jobid = submit(h, verbose=1)
    out = fo.job_output(h, jobid)
    # job_output joins log messages without newlines, as flux-core's does
    assert "flux-shell[0]: DEBUG: task 0 complete status=0" in out.stderr
    quiet = fo.job_output(h, jobid, log_stderr_level=fo.LOG_QUIET)
    assert (quiet.stdout, quiet.stderr) == (OUT, ERR) and quiet.log


def test_unknown_job_is_file_not_found(h):
    with pytest.raises(FileNotFoundError):
        fo.job_output(h, 123)
    with pytest.raises(FileNotFoundError):
        list(fo.output_event_watch(h, 123))


def test_output_watch_lines_gives_every_line(h):
    lines = list(fo.output_watch_lines(h, submit(h)))
    assert sorted(lines) == sorted([["stdout", x] for x in OUT.splitlines()]
                                   + [["stderr", x] for x in ERR.splitlines()])


def test_watching_a_job_that_never_started_is_eio(h):
    jobid = submit(h, urgency=0)
    fj.cancel(h, jobid)
    with pytest.raises(OSError) as info:
        list(fo.output_watch(h, jobid))
    assert info.value.errno == errno.EIO
    assert info.value.strerror == f"job {fj.JobID(jobid)} never started"


def test_async_watch_reports_the_exception_of_a_canceled_job(h):
    jobid = submit(h, urgency=0)
    fj.cancel(h, jobid)
    got = []

    def cb(future):
        try:
            got.append(future.get_output())
        except OSError as exc:
            got.append(str(exc))
            future.reset()

    fo.output_watch_async(h, jobid).then(cb)
    h.reactor_run()
    assert any("job.exception" in str(x) for x in got)
    assert "never started" in got[-1]
