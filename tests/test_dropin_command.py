"""fluxsim's ``flux`` command inside ``fluxsim start``: Flux's output, messages and exit codes.

Every expected line and status here was recorded from the same command
line on a real ``flux start`` (flux-core 0.88.0 with flux-sched 0.54.0,
Fluxion loaded) on a 2-core machine; host names are this machine's, as
``--test-size`` gives every rank the local host name.
"""

import os
import socket
import subprocess
import sys
import tempfile
import textwrap

import pytest

HOST = socket.gethostname()
CORES = os.cpu_count()


def run(script, size=1, timeout=120):
    """Run a shell script inside ``fluxsim start``, in a directory of its own
    (``flux batch`` writes ``flux-{{id}}.out`` there); ``(stdout, stderr)``."""
    with tempfile.TemporaryDirectory() as cwd:
        proc = subprocess.run(
            [sys.executable, "-m", "fluxsim.cli", "start", f"--test-size={size}",
             textwrap.dedent(script).strip()],
            capture_output=True, text=True, timeout=timeout, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def test_unknown_subcommand_option_and_attribute():
    out, err = run("""
        flux foo; echo rc=$?
        flux run --bogus true; echo rc=$?
        flux getattr nope; echo rc=$?
    """)
    assert out.split() == ["rc=1", "rc=2", "rc=1"]
    assert "flux: `foo' is not a flux command.  See 'flux --help'" in err
    assert "flux run: error: unrecognized arguments: --bogus" in err
    assert "flux-getattr: nope: No such file or directory" in err


def test_run_prints_task_output_and_exits_with_the_jobs_code():
    out, err = run("""
        flux run -n2 echo hi; echo rc=$?
        flux run false; echo rc=$?
        flux run -n1 -c 99 true; echo rc=$?
    """)
    assert out.split() == ["hi", "hi", "rc=0", "rc=1", "rc=1"]
    assert "flux-job: task(s) exited with exit code 1" in err
    assert 'type=alloc severity=0 alloc denied due to type="unsatisfiable"' in err


def test_job_wait_status_and_cancel():
    out, err = run("""
        id=$(flux submit --urgency=0 true)
        flux job wait $id; echo rc=$?
        flux cancel -m "bye now" $id
        flux job status $id; echo rc=$?
        flux job wait; echo rc=$?
        flux job eventlog $id | cut -d' ' -f2- | tail -2
        flux job status $(flux submit --flags=waitable true); echo rc=$?
        flux cancel; echo rc=$?
        flux cancel --all; echo rc=$?
    """)
    lines = out.splitlines()
    assert lines == ["rc=2", "rc=1", "rc=2",
                     'exception type="cancel" severity=0 note="bye now" userid=' + str(os.getuid()),
                     "clean", "rc=0", "rc=1", "rc=0"]
    assert "flux-job: job was not submitted with FLUX_JOB_WAITABLE" in err
    assert "flux-job: there are no more waitable jobs" in err
    assert "flux-cancel: ERROR: No target jobs were provided" in err
    assert "flux-cancel: Matched 0 jobs" in err


def test_cancel_all_counts_the_jobs():
    out, err = run("""
        flux submit sleep 30 >/dev/null; flux submit sleep 30 >/dev/null
        flux cancel -n --all; echo rc=$?
        flux cancel --all; echo rc=$?
    """)
    assert out.split() == ["rc=0", "rc=0"]
    assert "flux-cancel: Would cancel 2 jobs" in err
    assert "flux-cancel: Canceled 2 jobs (0 errors)" in err


@pytest.mark.skipif(CORES < 2, reason="the recorded placement needs 2 cores a node")
def test_resource_list_and_status_with_a_job_and_a_drained_node():
    out, _ = run("""
        flux submit sleep 30 >/dev/null
        flux resource drain 1 x
        flux resource list
        flux resource status
        flux resource info
        flux cancel --all 2>/dev/null
    """, size=2)
    # Fluxion places the job on rank 1, which is then draining
    assert out.splitlines() == [
        "     STATE NNODES NCORES NGPUS NODELIST",
        f"      free      1 {CORES:>6}     0 {HOST}",
        f" allocated      1      1     0 {HOST}",
        f"      down      1 {CORES:>6}     0 {HOST}",
        "       STATEUP NNODES NODELIST",
        f"       avail ✔      1 {HOST}",
        f"    draining ✔      1 {HOST}",
        f"2 Nodes, {2 * CORES} Cores, 0 GPUs",
    ]


def test_jobs_lists_a_held_job():
    out, _ = run("""
        flux submit --urgency=0 true >/dev/null
        flux jobs
        flux queue status
    """)
    header, row, *rest = out.splitlines()
    assert header == "       JOBID USER     NAME       ST NTASKS NNODES     TIME INFO"
    assert row.split()[2:] == ["true", "S", "1", "-", "-", "held"]
    assert rest == ["Job submission is enabled", "Scheduling is started"]


def test_batch_and_alloc_run_nested_instances_on_the_allocation(tmp_path):
    script = tmp_path / "batch.sh"
    script.write_text("#!/bin/sh\nflux resource info\nflux getattr instance-level\n")
    script.chmod(0o700)
    out, _ = run(f"""
        id=$(flux batch -N2 --flags=waitable --output={tmp_path}/batch.out {script})
        flux job wait $id; echo rc=$?
        cat {tmp_path}/batch.out
        flux alloc -N1 flux resource info
        flux start --test-size=2 flux getattr instance-level
    """, size=4)
    assert out.splitlines() == [
        "rc=0", f"2 Nodes, {2 * CORES} Cores, 0 GPUs", "1", f"1 Nodes, {CORES} Cores, 0 GPUs",
        "1"]


def test_uri_of_a_nested_instance_from_its_memo():
    out, err = run("""
        id=$(flux batch -N1 --wrap sleep 30)
        flux job wait-event $id memo | cut -d' ' -f2-
        flux uri $id
        flux uri --local $id
        flux uri bogus; echo rc=$?
        flux python -c "import flux, sys; print(flux.Flux(sys.argv[1]).attr_get('instance-level'))" \\
            $(flux uri --local $id)
        flux cancel $id
    """, size=2)
    memo, remote, local, rc, level = out.splitlines()
    assert memo.startswith(f'memo uri="ssh://{HOST}/') and memo.endswith('/local-0"')
    assert remote == memo[len('memo uri="'):-1]
    assert local == "local://" + remote[len(f"ssh://{HOST}"):]
    assert (rc, level) == ("rc=1", "1")
    assert "flux-uri: ERROR: bogus is not a valid Flux jobid" in err


def test_job_memo_and_info_errors():
    out, err = run("""
        id=$(flux submit --urgency=0 true)
        flux job memo $id a=1 b.c='"x"' d=text e='{"f":[1,2]}'; echo rc=$?
        flux jobs -o "{annotations}" $id
        flux job memo $id a=null; echo rc=$?
        flux jobs -o "{annotations.user}" $id
        flux job memo $id novalue; echo rc=$?
        flux job info $id nosuchkey; echo rc=$?
        flux job info 12345 eventlog; echo rc=$?
        flux cancel $id
        flux job memo $id x=1; echo rc=$?
    """)
    assert out.splitlines() == [
        "rc=0",
        "ANNOTATIONS",
        '{"user": {"a": 1, "b": {"c": "x"}, "d": "text", "e": {"f": [1, 2]}}}',
        "rc=0",
        "USER",
        '{"b": {"c": "x"}, "d": "text", "e": {"f": [1, 2]}}',
        "rc=1", "rc=1", "rc=1", "rc=1",
    ]
    assert err.splitlines() == [
        "flux-job: memo: no value for key=novalue",
        "flux-job: nosuchkey: key not found",
        "flux-job: invalid job id",
        "flux-job: memo: job is inactive",
    ]


def test_bulksubmit_gives_every_job_the_same_time_limit():
    # recorded: flux-core 0.88.0 gives both jobs 300 s (-t 5 is five minutes)
    out, _ = run("""
        printf 'a\\nb\\n' | flux bulksubmit --urgency=hold -t 5 -N1 echo {} | while read id; do
            flux job info $id jobspec | flux python -c \\
                'import json, sys; print(json.load(sys.stdin)["attributes"]["system"]["duration"])'
        done
    """)
    assert out.split() == ["300.0", "300.0"]
