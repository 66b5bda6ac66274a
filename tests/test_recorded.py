"""Shell programs recorded on a real ``flux start``, run unchanged on fluxsim.

Each ``tests/recorded/NAME.sh`` is the initial program of ``fluxsim start``
and, where it exists, of a real ``flux start`` (flux-core 0.88.0, flux-sched
0.54.0 in the same prefix); its stdout, job ids as ID and broker log lines
left out, must be ``NAME.out``, which was recorded from real Flux.  Each
program's header says what it covers and how it was recorded; :data:`SHAPES`
gives the instance it runs in.
"""

from pathlib import Path

import pytest

from dropin_support import STARTS, four_node_lines, program_lines

HERE = Path(__file__).parent / "recorded"

#: program -> its instance: a number of brokers, or "four nodes" (node[0-3], R configured)
SHAPES = {
    "exec": 3,
    "exec_task_ranks": 3,
    "hostlist": "four nodes",
    "job_admin": 1,
    "kvs": 1,
    "kvs_command": 1,
    "pgrep": 1,
    "proxy": 2,
    "taskmap": "four nodes",
    "urgency": 1,
}


def test_every_recorded_program_has_a_shape():
    assert sorted(p.stem for p in HERE.glob("*.sh")) == sorted(SHAPES)
    assert sorted(p.stem for p in HERE.glob("*.out")) == sorted(SHAPES)


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_recorded_program(name, start, tmp_path):
    program = (HERE / f"{name}.sh").read_text()
    expected = (HERE / f"{name}.out").read_text().splitlines()
    shape = SHAPES[name]
    if shape == "four nodes":
        lines = four_node_lines(start, program, tmp_path)
    else:
        lines = program_lines(start, program, tmp_path, shape)
    assert lines == expected
