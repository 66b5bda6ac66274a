"""``flux module list``: the broker modules of an instance, as flux-core 0.88 lists them.

Which scheduler an instance runs shows in its modules (a tool's way to ask:
``flux module list | grep sched``).  Recorded from a real ``flux start
--test-size=1`` (flux-core 0.88.0, flux-sched 0.54.0 in the same prefix),
with Fluxion (its default there) and with sched-simple
(``modules.alternatives.sched``): the modules, their state, queues and
services.  Real Flux lists them in the order its modules registered, which
varies from run to run, and counts idle seconds: the lines are compared in
name order, idle as 0.  The program runs in ``fluxsim start`` and, where it
exists, in a real ``flux start`` too.
"""

import re

import pytest

from dropin_support import STARTS, program_output

HEADER = "Module                    Idle  S Sendq Recvq Service"
LONG_HEADER = "Module                    Idle  S Sendq Recvq Service  Path"
#: the modules either scheduler runs beside, idle as 0
CORE = [
    'config                       0  R     0     0 ',
    'connector-local              0  R     0     0 ',
    'content                      0  R     0     0 ',
    'content-sqlite               0  R     0     0 content-backing',
    'cron                         0  R     0     0 ',
    'groups                       0  R     0     0 ',
    'heartbeat                    0  R     0     0 ',
    'job-exec                     0  R     0     0 ',
    'job-info                     0  R     0     0 ',
    'job-ingest                   0  R     0     0 ',
    'job-list                     0  R     0     0 ',
    'job-manager                  0  R     0     0 ',
    'kvs                          0  R     0     0 ',
    'kvs-watch                    0  R     0     0 ',
    'overlay                      0  R     0     0 ',
    'resource                     0  R     0     0 ',
    'rexec                        0  R     0     0 ',
]
SCHEDULERS = {
    "fluxion": [
        'sched-fluxion-feasibility    0  R     0     0 feasibility',
        'sched-fluxion-qmanager       0  R     0     0 sched',
        'sched-fluxion-resource       0  R     0     0 ',
    ],
    "sched-simple": [
        'sched-simple                 0  R     0     0 feasibility,sched',
    ],
}
#: ``-l``: the services column is cut to eight characters
LONG_SERVICES = {
    "fluxion": {"sched-fluxion-feasibility": "feasibi+", "sched-fluxion-qmanager": "sched",
                "content-sqlite": "content+"},
    "sched-simple": {"sched-simple": "feasibi+", "content-sqlite": "content+"},
}
OPTIONS = {"fluxion": [], "sched-simple": ["--conf=modules.alternatives.sched=sched-simple"]}


def _idle_as_zero(line):
    return re.sub(r"^(.{25}) +\d+ ", r"\1    0 ", line)


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("scheduler", list(SCHEDULERS))
def test_module_list_as_flux_core(start, scheduler, tmp_path):
    program = "flux module list; echo ==; flux module list -l; echo ==; flux module 2>&1; echo rc=$?"
    lines = program_output(start, program, tmp_path, 1, *OPTIONS[scheduler])
    short, long, bare = "\n".join(lines).split("\n==\n")
    short, long = short.splitlines(), long.splitlines()
    assert short[0] == HEADER
    assert sorted(map(_idle_as_zero, short[1:])) == sorted(CORE + SCHEDULERS[scheduler])
    assert long[0] == LONG_HEADER
    # name, idle, state, queues, [services,] path
    services = {parts[0]: parts[5] if len(parts) == 7 else "" for parts in map(str.split, long[1:])}
    assert {name: services[name] for name in LONG_SERVICES[scheduler]} == LONG_SERVICES[scheduler]
    assert bare.splitlines()[0] == "flux-module: missing subcommand" and bare.splitlines()[-1] == "rc=1"
