"""Write the case files in ``cases/`` (run once; the YAML files are the data).

The cases are many small variations, so they are written out from the tables
below rather than by hand; edit a table and rerun ``python -m
conformance.make_cases``, then re-record the golden outcomes.
"""

from pathlib import Path

import yaml

from fluxsim.job import JobspecV1

CASES = Path(__file__).resolve().parent / "cases"

GPU4 = {"nnodes": 4, "cores_per_node": 4, "gpus_per_node": 2}
WIDE2 = {"nnodes": 2, "cores_per_node": 8, "gpus_per_node": 0}
SMALL3 = {"nnodes": 3, "cores_per_node": 2, "gpus_per_node": 0}


def submit(job="a", **kw):
    return {"submit": {"job": job, **kw}}


def one(name, **kw):
    return {"name": name, "steps": [submit(**kw)]}


def req_name(**kw):
    short = {"num_tasks": "n", "cores_per_task": "c", "gpus_per_task": "g", "num_nodes": "N"}
    parts = [f"{short[k]}{v}" for k, v in kw.items() if k in short]
    if kw.get("exclusive"):
        parts.append("x")
    return "-".join(parts)


def tasks():
    cases = [one("tasks-" + req_name(num_tasks=n), num_tasks=n) for n in (1, 2, 3, 4, 5, 7, 8, 12, 16, 17)]
    for n, c in ((1, 2), (2, 2), (3, 3), (1, 4), (2, 4), (1, 5), (4, 3), (5, 3), (8, 2), (9, 2), (6, 2)):
        cases.append(one("cores-" + req_name(num_tasks=n, cores_per_task=c), num_tasks=n, cores_per_task=c))
    return {"shape": GPU4, "cases": cases}


def gpus():
    cases = []
    for n, g, c in ((1, 1, 1), (2, 1, 1), (4, 1, 1), (8, 1, 1), (9, 1, 1), (1, 2, 1), (2, 2, 1),
                    (4, 2, 1), (1, 3, 1), (3, 1, 2), (4, 1, 2), (5, 1, 4)):
        kw = {"num_tasks": n, "gpus_per_task": g, "cores_per_task": c}
        cases.append(one("gpus-" + req_name(**kw), **kw))
    for n, N, g in ((2, 2, 1), (4, 2, 1), (4, 4, 1), (4, 2, 2), (8, 4, 1)):
        kw = {"num_tasks": n, "num_nodes": N, "gpus_per_task": g}
        cases.append(one("gpus-" + req_name(**kw), **kw))
    return {"shape": GPU4, "cases": cases}


def nodes():
    cases = []
    for n, N, c in ((2, 2, 1), (3, 2, 1), (4, 2, 1), (5, 2, 1), (4, 4, 1), (5, 4, 1), (7, 4, 1),
                    (8, 4, 1), (4, 3, 1), (6, 4, 1), (2, 1, 1), (16, 4, 1), (17, 4, 1), (5, 5, 1),
                    (4, 4, 2), (8, 4, 2), (3, 3, 2), (2, 2, 3), (1, 1, 4), (6, 3, 1)):
        kw = {"num_tasks": n, "num_nodes": N}
        if c != 1:
            kw["cores_per_task"] = c
        cases.append(one("nodes-" + req_name(**kw), **kw))
    return {"shape": GPU4, "cases": cases}


def exclusive():
    cases = []
    for n, N in ((1, 1), (2, 2), (4, 4), (5, 4), (8, 2), (1, 4)):
        kw = {"num_tasks": n, "num_nodes": N, "exclusive": True}
        cases.append(one("excl-" + req_name(**kw), **kw))
    cases.append({"name": "excl-waits-for-partial-node", "steps": [
        submit("a", num_tasks=1),
        submit("b", num_tasks=4, num_nodes=4, exclusive=True),
        {"cancel": {"job": "a"}}]})
    cases.append({"name": "excl-takes-idle-node", "steps": [
        submit("a", num_tasks=2),
        submit("b", num_tasks=1, num_nodes=1, exclusive=True),
        submit("c", num_tasks=1)]})
    cases.append({"name": "excl-then-shared", "steps": [
        submit("a", num_tasks=2, num_nodes=2, exclusive=True),
        submit("b", num_tasks=8),
        submit("c", num_tasks=1)]})
    return {"shape": GPU4, "cases": cases}


def placement():
    seqs = {
        "two-singles-spread": [submit("a", num_tasks=1), submit("b", num_tasks=1)],
        "five-singles": [submit(j, num_tasks=1) for j in "abcde"],
        "three-then-two": [submit("a", num_tasks=3), submit("b", num_tasks=2)],
        "fill-node-then-one": [submit("a", num_tasks=4), submit("b", num_tasks=1)],
        "big-slot-after-singles": [submit(j, num_tasks=1) for j in "abcd"] + [submit("e", num_tasks=1, cores_per_task=4)],
        "fragmented-slots": [submit("a", num_tasks=3), submit("b", num_tasks=3), submit("c", num_tasks=3),
                             submit("d", num_tasks=3), submit("e", num_tasks=2, cores_per_task=2)],
        "free-reuses-lowest-ids": [submit("a", num_tasks=2), submit("b", num_tasks=2), {"cancel": {"job": "a"}},
                                   submit("c", num_tasks=1)],
        "gpu-spread": [submit("a", num_tasks=1, gpus_per_task=1), submit("b", num_tasks=1, gpus_per_task=1),
                       submit("c", num_tasks=2, gpus_per_task=1)],
        "nodes-after-partial": [submit("a", num_tasks=3), submit("b", num_tasks=4, num_nodes=4)],
        "nodes-skip-full": [submit("a", num_tasks=4), submit("b", num_tasks=6, num_nodes=3)],
        "mixed-stream": [submit("a", num_tasks=2, cores_per_task=2), submit("b", num_tasks=1, gpus_per_task=2),
                         submit("c", num_tasks=4, num_nodes=2), submit("d", num_tasks=5)],
    }
    return {"shape": GPU4, "cases": [{"name": k, "steps": v} for k, v in seqs.items()]}


def unsatisfiable():
    reqs = {
        "unsat-too-many-slots": {"num_tasks": 17},
        "unsat-slot-too-big": {"num_tasks": 1, "cores_per_task": 5},
        "unsat-too-many-gpus": {"num_tasks": 9, "gpus_per_task": 1},
        "unsat-gpu-slot-too-big": {"num_tasks": 1, "gpus_per_task": 3},
        "unsat-too-many-nodes": {"num_tasks": 5, "num_nodes": 5},
        "unsat-node-too-small": {"num_tasks": 10, "num_nodes": 2},
        "unsat-node-gpus": {"num_tasks": 6, "num_nodes": 2, "gpus_per_task": 1},
        "unsat-exclusive-nodes": {"num_tasks": 5, "num_nodes": 5, "exclusive": True},
        "unsat-cores-and-gpus": {"num_tasks": 4, "cores_per_task": 2, "gpus_per_task": 1},
    }
    cases = [one(k, **v) for k, v in reqs.items()]
    cases.append({"name": "unsat-does-not-block-queue", "steps": [
        submit("a", num_tasks=16), submit("b", num_tasks=17), submit("c", num_tasks=1), {"cancel": {"job": "a"}}]})
    nogpu = [one("unsat-gpus-none", num_tasks=1, gpus_per_task=1),
             one("unsat-nodes-none-3", num_tasks=4, num_nodes=4),
             one("unsat-slot-width", num_tasks=1, cores_per_task=3)]
    return [{"shape": GPU4, "cases": cases}, {"shape": SMALL3, "cases": nogpu}]


def fifo():
    cases = [
        {"name": "head-blocks-small-job", "steps": [
            submit("a", num_tasks=12), submit("b", num_tasks=8), submit("c", num_tasks=1)]},
        {"name": "head-runs-after-cancel", "steps": [
            submit("a", num_tasks=12), submit("b", num_tasks=8), submit("c", num_tasks=1),
            {"cancel": {"job": "a"}}]},
        {"name": "fifo-order-three-waiting", "steps": [
            submit("a", num_tasks=16), submit("b", num_tasks=4), submit("c", num_tasks=8),
            submit("d", num_tasks=4), {"cancel": {"job": "a"}}]},
        {"name": "queue-depth-ten-pending", "steps": [
            submit("a", num_tasks=16)] + [submit(f"p{i}", num_tasks=2) for i in range(10)] + [
            {"cancel": {"job": "a"}}]},
        {"name": "cancel-head-unblocks", "steps": [
            submit("a", num_tasks=12), submit("b", num_tasks=8), submit("c", num_tasks=2),
            {"cancel": {"job": "b"}}]},
        {"name": "nodes-head-blocks", "steps": [
            submit("a", num_tasks=1), submit("b", num_tasks=4, num_nodes=4, exclusive=True),
            submit("c", num_tasks=1)]},
    ]
    return {"shape": GPU4, "cases": cases}


def urgency():
    cases = [
        {"name": "hold-stays-pending", "steps": [submit("a", num_tasks=1, urgency=0)]},
        {"name": "release-hold", "steps": [
            submit("a", num_tasks=1, urgency=0), {"urgency": {"job": "a", "value": 16}}]},
        {"name": "expedite-jumps-queue", "steps": [
            submit("a", num_tasks=16), submit("b", num_tasks=8), submit("c", num_tasks=8, urgency=31),
            {"cancel": {"job": "a"}}]},
        {"name": "higher-urgency-first", "steps": [
            submit("a", num_tasks=16), submit("b", num_tasks=12, urgency=10), submit("c", num_tasks=12, urgency=20),
            {"cancel": {"job": "a"}}]},
        {"name": "raise-urgency-reorders", "steps": [
            submit("a", num_tasks=16), submit("b", num_tasks=12), submit("c", num_tasks=12),
            {"urgency": {"job": "c", "value": 25}}, {"cancel": {"job": "a"}}]},
        {"name": "hold-skipped-by-fifo", "steps": [
            submit("a", num_tasks=8, urgency=0), submit("b", num_tasks=4)]},
        {"name": "hold-running-job-no-effect", "steps": [
            submit("a", num_tasks=1), {"urgency": {"job": "a", "value": 0}}]},
        {"name": "cancel-held", "steps": [
            submit("a", num_tasks=1, urgency=0), {"cancel": {"job": "a"}}]},
    ]
    return {"shape": GPU4, "cases": cases}


def cancel():
    cases = [
        {"name": "cancel-running", "steps": [submit("a", num_tasks=2), {"cancel": {"job": "a"}}]},
        {"name": "cancel-running-reason", "steps": [
            submit("a", num_tasks=2), {"cancel": {"job": "a", "reason": "no longer needed"}}]},
        {"name": "cancel-pending", "steps": [
            submit("a", num_tasks=16), submit("b", num_tasks=1), {"cancel": {"job": "b"}}]},
        {"name": "cancel-frees-for-next", "steps": [
            submit("a", num_tasks=16), submit("b", num_tasks=4), {"cancel": {"job": "a"}}]},
        {"name": "cancel-one-of-two", "steps": [
            submit("a", num_tasks=8), submit("b", num_tasks=8), {"cancel": {"job": "a"}},
            submit("c", num_tasks=8)]},
        {"name": "cancel-exclusive", "steps": [
            submit("a", num_tasks=2, num_nodes=2, exclusive=True), {"cancel": {"job": "a"}}]},
    ]
    return {"shape": GPU4, "cases": cases}


def drain():
    cases = [
        {"name": "drain-one-small-job", "steps": [{"drain": {"ranks": "0"}}, submit("a", num_tasks=1)]},
        {"name": "drain-blocks-all-nodes", "steps": [
            {"drain": {"ranks": "0"}}, submit("a", num_tasks=4, num_nodes=4)]},
        {"name": "undrain-runs-pending", "steps": [
            {"drain": {"ranks": "0"}}, submit("a", num_tasks=4, num_nodes=4), {"undrain": {"ranks": "0"}}]},
        {"name": "drain-running-keeps-running", "steps": [
            submit("a", num_tasks=1), {"drain": {"ranks": "0"}}, submit("b", num_tasks=1)]},
        {"name": "drain-all-but-one", "steps": [
            {"drain": {"ranks": "1-3"}}, submit("a", num_tasks=4), submit("b", num_tasks=1)]},
        {"name": "drain-slots-overflow", "steps": [
            {"drain": {"ranks": "0-1"}}, submit("a", num_tasks=9)]},
        {"name": "drain-undrain-order", "steps": [
            {"drain": {"ranks": "0-2"}}, submit("a", num_tasks=2), submit("b", num_tasks=4),
            submit("c", num_tasks=4), {"undrain": {"ranks": "0-2"}}]},
        {"name": "drain-exclusive", "steps": [
            {"drain": {"ranks": "3"}}, submit("a", num_tasks=3, num_nodes=3, exclusive=True),
            submit("b", num_tasks=1)]},
    ]
    return {"shape": GPU4, "cases": cases}


def lifecycle():
    cases = [
        {"name": "mock-completes", "steps": [submit("a", num_tasks=1, run_duration="1s"), {"wait": {"seconds": 2}}]},
        {"name": "mock-wait-status", "steps": [
            submit("a", num_tasks=1, run_duration="1s", wait_status=256), {"wait": {"seconds": 2}}]},
        {"name": "mock-exception-init", "steps": [submit("a", num_tasks=1, mock_exception="init")]},
        {"name": "mock-exception-run", "steps": [submit("a", num_tasks=1, mock_exception="run")]},
        {"name": "timeout-expires", "steps": [
            submit("a", num_tasks=1, duration=1, run_duration="10s"), {"wait": {"seconds": 2}}]},
        {"name": "timeout-not-reached", "steps": [
            submit("a", num_tasks=1, duration=5, run_duration="1s"), {"wait": {"seconds": 2}}]},
        {"name": "duration-in-R", "steps": [submit("a", num_tasks=1, duration=600)]},
        {"name": "completion-starts-next", "steps": [
            submit("a", num_tasks=16, run_duration="1s"), submit("b", num_tasks=4), {"wait": {"seconds": 2}}]},
        {"name": "zero-run-duration-keeps-running", "steps": [submit("a", num_tasks=1, run_duration="0")]},
    ]
    return {"shape": GPU4, "cases": cases}


def failures():
    """Jobs that cannot run: Flux's events, exceptions and statuses for each way."""

    def real(**kw):
        # a real command: the job shell must lay out its tasks
        return {"version": 1, **JobspecV1.from_command(["true"], **kw).jobspec,
                "attributes": {"system": {"duration": 0}}}

    def mock(test):
        return {**real(num_tasks=1), "attributes": {"system": {"duration": 0, "exec": {"test": test}}}}

    cases = [
        {"name": "shell-cannot-lay-out-one-node", "steps": [
            submit("a", jobspec=real(num_tasks=3, cores_per_task=2, num_nodes=1, exclusive=True)),
            {"wait": {"seconds": 2}}]},
        {"name": "shell-cannot-lay-out-two-nodes", "steps": [
            submit("a", jobspec=real(num_tasks=5, num_nodes=2, exclusive=True)),
            {"wait": {"seconds": 2}}]},
        {"name": "testconf-run-duration-number", "steps": [submit("a", jobspec=mock({"run_duration": 5}))]},
        {"name": "testconf-run-duration-list", "steps": [submit("a", jobspec=mock({"run_duration": [1]}))]},
        {"name": "testconf-wait-status-string", "steps": [
            submit("a", jobspec=mock({"run_duration": "1h", "wait_status": "1"}))]},
        {"name": "testconf-not-an-object", "steps": [submit("a", jobspec=mock([1]))]},
        {"name": "testconf-unknown-mock-exception", "steps": [
            submit("a", jobspec=mock({"run_duration": "1s", "mock_exception": "bogus"})),
            {"wait": {"seconds": 2}}]},
        {"name": "testconf-override-canceled", "steps": [
            submit("a", jobspec=mock({"override": 1})), {"cancel": {"job": "a"}}]},
        {"name": "testconf-run-duration-unparsed-keeps-duration", "steps": [
            submit("a", jobspec={**mock({"run_duration": "1_0"}),
                                 "attributes": {"system": {"duration": 1, "exec": {"test": {"run_duration": "1_0"}}}}}),
            {"wait": {"seconds": 2}}]},
    ]
    return {"shape": SMALL3, "cases": cases}


def environment():
    cases = []
    for kw in ({"num_tasks": 1}, {"num_tasks": 2}, {"num_tasks": 4}, {"num_tasks": 5}, {"num_tasks": 8},
               {"num_tasks": 2, "num_nodes": 2}, {"num_tasks": 3, "num_nodes": 2}, {"num_tasks": 5, "num_nodes": 4},
               {"num_tasks": 7, "num_nodes": 4}, {"num_tasks": 4, "num_nodes": 4},
               {"num_tasks": 2, "cores_per_task": 2}, {"num_tasks": 3, "cores_per_task": 2},
               {"num_tasks": 1, "gpus_per_task": 1}, {"num_tasks": 2, "gpus_per_task": 1},
               {"num_tasks": 3, "gpus_per_task": 1}, {"num_tasks": 1, "gpus_per_task": 2},
               {"num_tasks": 4, "num_nodes": 2, "gpus_per_task": 1},
               {"num_tasks": 2, "num_nodes": 2, "exclusive": True},
               {"num_tasks": 6, "num_nodes": 3, "cores_per_task": 2}):
        cases.append(one("env-" + req_name(**kw), env=True, **kw))
    return {"shape": GPU4, "cases": cases}


def binding():
    """CPU binding: nodes of 2 cores, so every core exists on a 2-CPU recorder."""
    cases = []
    for mode in ("on", "per-task", "off"):
        for kw in ({"num_tasks": 1}, {"num_tasks": 2}, {"num_tasks": 1, "cores_per_task": 2},
                   {"num_tasks": 3, "num_nodes": 2}, {"num_tasks": 4, "num_nodes": 2}):
            cases.append(one(f"bind-{mode}-" + req_name(**kw), bind=mode, **kw))
    cases.append({"name": "bind-second-job-gets-other-core", "steps": [
        submit("a", num_tasks=1, run_duration="1h"), submit("b", num_tasks=1, bind="on")]})
    return {"shape": {"nnodes": 2, "cores_per_node": 2, "gpus_per_node": 0}, "cases": cases}


def spec(resources, count=None):
    """A raw RFC 14 jobspec of a mock job that runs an hour."""
    return {
        "version": 1,
        "resources": resources,
        "tasks": [{"command": ["true"], "slot": "task", "count": count or {"per_slot": 1}}],
        "attributes": {"system": {"duration": 0, "exec": {"test": {"run_duration": "1h"}}}},
    }


def slot(n, cores=1, gpus=0):
    w = [{"type": "core", "count": cores}]
    if gpus:
        w.append({"type": "gpu", "count": gpus})
    return {"type": "slot", "count": n, "label": "task", "with": w}


def jobspecs():
    cases = [
        {"name": "raw-slots", "steps": [submit("a", jobspec=spec([slot(3, 2)]))]},
        {"name": "raw-node-slots", "steps": [submit("a", jobspec=spec([{"type": "node", "count": 2, "with": [slot(2)]}]))]},
        {"name": "raw-node-exclusive", "steps": [
            submit("a", jobspec=spec([{"type": "node", "count": 1, "exclusive": True, "with": [slot(1)]}]))]},
        {"name": "raw-slot-exclusive", "steps": [
            submit("a", jobspec=spec([{**slot(2), "exclusive": True}]))]},
        {"name": "raw-node-range", "steps": [
            submit("a", jobspec=spec([{"type": "node", "count": {"min": 1, "max": 3}, "with": [slot(1)]}]))]},
        {"name": "raw-total-tasks", "steps": [submit("a", jobspec=spec([slot(4)], {"total": 6}))]},
        {"name": "raw-missing-tasks", "steps": [submit("a", jobspec={"version": 1, "resources": [slot(1)],
                                                                      "attributes": {"system": {}}})]},
        {"name": "raw-version-2", "steps": [submit("a", jobspec={**spec([slot(1)]), "version": 2})]},
        {"name": "raw-no-duration", "steps": [submit("a", jobspec={**spec([slot(1)]), "attributes": {"system": {}}})]},
        {"name": "raw-gpu-slots", "steps": [submit("a", jobspec=spec([slot(2, 1, 1)]))]},
        {"name": "api-bad-num-nodes", "steps": [submit("a", num_tasks=2, num_nodes=3)]},
        {"name": "api-zero-tasks", "steps": [submit("a", num_tasks=0)]},
        {"name": "api-exclusive-without-nodes", "steps": [submit("a", num_tasks=2, exclusive=True)]},
    ]
    return {"shape": GPU4, "cases": cases}


# -- Fluxion only: policies, formats, queues, properties --------------------------------

FLUXION = ["fluxion"]
MATCH_POLICIES = ("first", "firstnodex", "high", "low", "lonode", "hinode", "lonodex", "hinodex")
#: 16 nodes x 64 cores x 4 GPUs: a shape where node and core order show at scale
BIG16 = {"nnodes": 16, "cores_per_node": 64, "gpus_per_node": 4}
#: GPU4 with node properties: ranks 0-1 small, 2-3 big
PROPS4 = {**GPU4, "properties": {"small": "0-1", "big": "2-3"}}


def fluxion_file(shape, cases, config=None):
    data = {"shape": shape, "schedulers": FLUXION}
    if config:
        data["config"] = config
    data["cases"] = cases
    return data


def match_policy(policy):
    """One request set per match policy: which nodes and cores each policy picks."""
    seqs = {
        "n1": [submit("a", num_tasks=1)],
        "n2": [submit("a", num_tasks=2)],
        "n6": [submit("a", num_tasks=6)],
        "n2-c3": [submit("a", num_tasks=2, cores_per_task=3)],
        "n1-g1": [submit("a", num_tasks=1, gpus_per_task=1)],
        "n3-g1": [submit("a", num_tasks=3, gpus_per_task=1)],
        "n1-c2-g2": [submit("a", num_tasks=1, cores_per_task=2, gpus_per_task=2)],
        "n2-N2": [submit("a", num_tasks=2, num_nodes=2)],
        "n3-N2": [submit("a", num_tasks=3, num_nodes=2)],
        "n1-N1-x": [submit("a", num_tasks=1, num_nodes=1, exclusive=True)],
        "five-singles": [submit(j, num_tasks=1) for j in "abcde"],
        "partial-fill": [submit("a", num_tasks=3), submit("b", num_tasks=2),
                         submit("c", num_tasks=1, cores_per_task=2), submit("d", num_tasks=1, gpus_per_task=1)],
        "free-then-reuse": [submit("a", num_tasks=2), submit("b", num_tasks=2), {"cancel": {"job": "a"}},
                            submit("c", num_tasks=1)],
        "exclusive-after-partial": [submit("a", num_tasks=1), submit("b", num_tasks=2, num_nodes=2, exclusive=True),
                                    submit("c", num_tasks=1)],
        "mixed": [submit("a", num_tasks=1, cores_per_task=2, gpus_per_task=1),
                  submit("b", num_tasks=4, num_nodes=2), submit("c", num_tasks=6)],
    }
    cases = [{"name": f"{policy}-{k}", "steps": v} for k, v in seqs.items()]
    return fluxion_file(GPU4, cases, {"sched-fluxion-resource": {"match-policy": policy}})


def match_format(fmt):
    """R as each match format writes it (``scheduling``: Fluxion's JGF of the allocation)."""
    seqs = {
        "n1": [submit("a", num_tasks=1)],
        "n2-c2-g1": [submit("a", num_tasks=2, cores_per_task=2, gpus_per_task=1)],
        "n3-N3": [submit("a", num_tasks=3, num_nodes=3)],
        "n1-N1-x": [submit("a", num_tasks=1, num_nodes=1, exclusive=True)],
        "two-jobs": [submit("a", num_tasks=2), submit("b", num_tasks=1, gpus_per_task=1)],
        "exclusive-then-shared": [submit("a", num_tasks=1, num_nodes=1, exclusive=True), submit("b", num_tasks=2)],
    }
    cases = [{"name": f"{fmt}-{k}", "steps": v} for k, v in seqs.items()]
    return fluxion_file(GPU4, cases, {"sched-fluxion-resource": {"match-format": fmt}})


def queue_scenarios():
    """Pending jobs with durations, so each queue policy's reservations and backfill show.

    GPU4 has 16 cores; jobs are mock jobs that run an hour unless the case
    says otherwise, so who starts depends only on the policy.  Fluxion
    reserves specific cores; under ``hinode`` (see :data:`QUEUE_POLICIES`)
    a reservation takes the highest nodes and leaves node 0 to backfill.
    """
    def j(label, n, duration, **kw):
        return submit(label, num_tasks=n, duration=duration, **kw)

    return {
        "backfill-short-job": [j("a", 12, 100), j("b", 8, 100), j("c", 2, 50)],
        "backfill-long-job-fits": [j("a", 12, 100), j("b", 8, 100), j("c", 2, 500)],
        "backfill-would-delay-head": [j("a", 12, 100), j("b", 16, 100), j("c", 2, 500), j("d", 2, 50)],
        "second-reservation": [j("a", 12, 100), j("b", 8, 100), j("c", 16, 100), j("d", 4, 250)],
        "second-reservation-partial": [j("a", 12, 100), j("b", 8, 100), j("c", 8, 100), j("d", 4, 250)],
        "reservations-then-backfill": [j("a", 12, 100), j("b", 8, 100), j("c", 8, 500), j("d", 4, 500),
                                       j("e", 2, 500)],
        "no-duration-jobs": [submit("a", num_tasks=12), submit("b", num_tasks=8), submit("c", num_tasks=2)],
        # Fluxion's clock is whole seconds: no end time here is within a second of a reservation;
        # a runs long enough for three submits on a loaded machine
        "completion-start-order": [j("a", 16, 100, run_duration="4s"), j("b", 8, 100), j("c", 12, 100),
                                   j("d", 4, 50), {"wait": {"seconds": 5}}],
        "cancel-reserved-head": [j("a", 12, 100), j("b", 16, 100), j("c", 4, 500), {"cancel": {"job": "b"}}],
        "expedite-over-reserved": [j("a", 12, 100), j("b", 16, 100), j("c", 4, 500, urgency=20)],
        "held-job-not-reserved": [j("a", 12, 100), j("b", 16, 100, urgency=0), j("c", 4, 500)],
        "queue-depth-limits-backfill": [j("a", 12, 100), j("b", 16, 100), j("c", 8, 500), j("d", 2, 50)],
    }


QUEUE_POLICIES = {
    "fcfs": {"queue-policy": "fcfs"},
    "easy": {"queue-policy": "easy"},
    "hybrid": {"queue-policy": "hybrid"},
    "conservative": {"queue-policy": "conservative"},
    "easy-queue-depth-2": {"queue-policy": "easy", "queue-params": "queue-depth=2"},
    "hybrid-reservation-depth-1": {"queue-policy": "hybrid", "policy-params": "reservation-depth=1"},
    "conservative-queue-depth-2": {"queue-policy": "conservative", "queue-params": "queue-depth=2"},
}


def queue_policy(name):
    cases = [{"name": f"{name}-{k}", "steps": v} for k, v in queue_scenarios().items()]
    config = {"sched-fluxion-resource": {"match-policy": "hinode"}, "sched-fluxion-qmanager": QUEUE_POLICIES[name]}
    return fluxion_file(GPU4, cases, config)


def large():
    """16 nodes x 64 cores x 4 GPUs (one broker per node)."""
    reqs = {
        "n1": {"num_tasks": 1},
        "n64": {"num_tasks": 64},
        "n65": {"num_tasks": 65},
        "n16-N16": {"num_tasks": 16, "num_nodes": 16},
        "n1024": {"num_tasks": 1024},
        "n1025": {"num_tasks": 1025},
        "n64-g1": {"num_tasks": 64, "gpus_per_task": 1},
        "n4-c16-g1": {"num_tasks": 4, "cores_per_task": 16, "gpus_per_task": 1},
        "n4-N4-x": {"num_tasks": 4, "num_nodes": 4, "exclusive": True},
    }
    cases = [one("big-" + k, **v) for k, v in reqs.items()]
    cases.append({"name": "big-partial-fill", "steps": [
        submit("a", num_tasks=100), submit("b", num_tasks=30, cores_per_task=4),
        submit("c", num_tasks=8, gpus_per_task=2), submit("d", num_tasks=3, num_nodes=3, exclusive=True)]})
    return fluxion_file(BIG16, cases)


def properties():
    """Node properties and ``--requires`` constraints (no queues)."""
    cases = [
        one("requires-big-n1", num_tasks=1, requires=["big"]),
        one("requires-small-n5", num_tasks=5, requires=["small"]),
        one("requires-big-n9", num_tasks=9, requires=["big"]),
        one("requires-unknown", num_tasks=1, requires=["nope"]),
        one("requires-not-big", num_tasks=2, requires=["^big"]),
        one("requires-both", num_tasks=1, requires=["big", "small"]),
        one("requires-big-N2-x", num_tasks=2, num_nodes=2, exclusive=True, requires=["big"]),
        {"name": "requires-big-full-then-free", "steps": [
            submit("a", num_tasks=8, requires=["big"]), submit("b", num_tasks=1, requires=["big"]),
            submit("c", num_tasks=1)]},
    ]
    return fluxion_file(PROPS4, cases)


def queues():
    """Named queues over node properties, each with its own queue policy."""
    config = {
        "queues": {"batch": {"requires": ["big"]}, "debug": {"requires": ["small"]}},
        "sched-fluxion-qmanager": {"queue-policy-per-queue": "batch:easy debug:fcfs"},
    }

    def backfill(queue):
        return [submit("a", num_tasks=6, duration=100, queue=queue), submit("b", num_tasks=8, duration=100, queue=queue),
                submit("c", num_tasks=2, duration=50, queue=queue)]

    cases = [
        one("queue-batch-n1", num_tasks=1, queue="batch"),
        one("queue-debug-n1", num_tasks=1, queue="debug"),
        one("queue-batch-n9", num_tasks=9, queue="batch"),
        one("queue-none", num_tasks=1),
        one("queue-unknown", num_tasks=1, queue="nope"),
        one("queue-debug-requires-big", num_tasks=1, queue="debug", requires=["big"]),
        one("queue-batch-N2-x", num_tasks=2, num_nodes=2, exclusive=True, queue="batch"),
        {"name": "queue-full-other-free", "steps": [
            submit("a", num_tasks=8, queue="batch"), submit("b", num_tasks=1, queue="batch"),
            submit("c", num_tasks=1, queue="debug")]},
        {"name": "queue-cancel-pending", "steps": [
            submit("a", num_tasks=8, queue="debug"), submit("b", num_tasks=2, queue="debug"),
            {"cancel": {"job": "b"}}, {"cancel": {"job": "a"}}]},
        {"name": "queue-batch-easy-backfills", "steps": backfill("batch")},
        {"name": "queue-debug-fcfs-blocks", "steps": backfill("debug")},
    ]
    return fluxion_file(PROPS4, cases, config)


def fluxion_drain():
    """Drained nodes: Fluxion takes them out of its graph."""
    cases = [
        {"name": "drain-then-fill-rest", "steps": [
            {"drain": {"ranks": "3"}}, submit("a", num_tasks=12), submit("b", num_tasks=1)]},
        {"name": "drain-then-too-big", "steps": [{"drain": {"ranks": "3"}}, submit("a", num_tasks=13)]},
        {"name": "drain-running-node", "steps": [
            submit("a", num_tasks=1), {"drain": {"ranks": "3"}}, submit("b", num_tasks=1)]},
        {"name": "drain-undrain-pending", "steps": [
            {"drain": {"ranks": "0-1"}}, submit("a", num_tasks=8), submit("b", num_tasks=4),
            {"undrain": {"ranks": "0-1"}}]},
        {"name": "drain-exclusive-rest", "steps": [
            {"drain": {"ranks": "0"}}, submit("a", num_tasks=3, num_nodes=3, exclusive=True), submit("b", num_tasks=1)]},
        {"name": "drain-gpus", "steps": [{"drain": {"ranks": "2-3"}}, submit("a", num_tasks=5, gpus_per_task=1)]},
        {"name": "drain-all", "steps": [{"drain": {"ranks": "0-3"}}, submit("a", num_tasks=1)]},
        {"name": "drain-under-pending-job", "steps": [
            submit("a", num_tasks=16), submit("b", num_tasks=4, num_nodes=4), {"drain": {"ranks": "3"}},
            {"cancel": {"job": "a"}}]},
        {"name": "undrain-after-unsatisfiable", "steps": [
            {"drain": {"ranks": "3"}}, submit("a", num_tasks=16), {"undrain": {"ranks": "3"}},
            submit("b", num_tasks=16)]},
    ]
    return fluxion_file(GPU4, cases)


def fluxion_unsatisfiable():
    """Requests Fluxion's graph cannot match, as raw jobspecs (its exception notes)."""
    def typed(kind, inner):
        return [{"type": kind, "count": 1, "with": inner}]

    cases = [
        {"name": "unsat-socket-level", "steps": [submit("a", jobspec=spec(typed("socket", [slot(1)])))]},
        {"name": "unsat-memory", "steps": [submit("a", jobspec=spec([{
            "type": "slot", "count": 1, "label": "task",
            "with": [{"type": "core", "count": 1}, {"type": "memory", "count": 1}]}]))]},
        {"name": "unsat-unknown-type", "steps": [submit("a", jobspec=spec([{
            "type": "slot", "count": 1, "label": "task", "with": [{"type": "foo", "count": 1}]}]))]},
        {"name": "unsat-cluster-level", "steps": [submit("a", jobspec=spec(typed("cluster", [slot(1)])))]},
        {"name": "unsat-slot-16-cores", "steps": [submit("a", jobspec=spec([slot(1, 16)]))]},
        {"name": "unsat-node-min-5", "steps": [
            submit("a", jobspec=spec([{"type": "node", "count": {"min": 5}, "with": [slot(1)]}]))]},
        {"name": "unsat-duration-beyond-graph", "steps": [submit("a", num_tasks=1, duration=1e10)]},
        {"name": "unsat-does-not-block", "steps": [
            submit("a", num_tasks=16), submit("b", jobspec=spec([slot(1, 5)])), submit("c", num_tasks=1),
            {"cancel": {"job": "a"}}]},
    ]
    return fluxion_file(GPU4, cases)


def fluxion_urgency():
    """Hold, expedite and cancel while pending, under EASY backfill."""
    def j(label, n, duration, **kw):
        return submit(label, num_tasks=n, duration=duration, **kw)

    cases = [
        {"name": "hold-reserved-lets-backfill", "steps": [
            j("a", 12, 100), j("b", 16, 100), j("c", 4, 500), {"urgency": {"job": "b", "value": 0}}]},
        # c ends well before a: b's reservation is at a's end, whole seconds away from d's
        {"name": "release-hold-reserves", "steps": [
            j("a", 12, 100), j("b", 16, 100, urgency=0), j("c", 2, 50), {"urgency": {"job": "b", "value": 16}},
            j("d", 2, 500)]},
        {"name": "expedite-jumps-reserved", "steps": [
            j("a", 12, 100), j("b", 16, 100), j("c", 8, 100), {"urgency": {"job": "c", "value": 31}},
            {"cancel": {"job": "a"}}]},
        {"name": "cancel-reserved-runs-next", "steps": [
            j("a", 12, 100), j("b", 16, 100), j("c", 4, 500), {"cancel": {"job": "b"}}]},
        {"name": "cancel-pending-behind", "steps": [
            submit("a", num_tasks=16), submit("b", num_tasks=8), submit("c", num_tasks=8),
            {"cancel": {"job": "c"}}, {"cancel": {"job": "a"}}]},
        {"name": "higher-urgency-first-lower-waits", "steps": [
            submit("a", num_tasks=16), submit("b", num_tasks=8, urgency=10), submit("c", num_tasks=12, urgency=20),
            {"cancel": {"job": "a"}}]},
        {"name": "hold-running-no-effect", "steps": [submit("a", num_tasks=1), {"urgency": {"job": "a", "value": 0}}]},
        {"name": "cancel-held", "steps": [submit("a", num_tasks=16, urgency=0), {"cancel": {"job": "a"}},
                                          submit("b", num_tasks=16)]},
    ]
    return fluxion_file(GPU4, cases, {"sched-fluxion-qmanager": {"queue-policy": "easy"}})


def fluxion_files():
    """Every Fluxion-only case file by name."""
    files = {f"fluxion-match-{p}": match_policy(p) for p in MATCH_POLICIES}
    files["fluxion-format-rv1"] = match_format("rv1")
    files["fluxion-format-rv1-shorthand"] = match_format("rv1_shorthand")
    files.update({f"fluxion-queue-{name}": queue_policy(name) for name in QUEUE_POLICIES})
    files["fluxion-large"] = large()
    files["fluxion-properties"] = properties()
    files["fluxion-queues"] = queues()
    files["fluxion-drain"] = fluxion_drain()
    files["fluxion-unsatisfiable"] = fluxion_unsatisfiable()
    files["fluxion-urgency"] = fluxion_urgency()
    return files


def main():
    files = {
        "tasks": tasks(),
        "gpus": gpus(),
        "nodes": nodes(),
        "exclusive": exclusive(),
        "placement": placement(),
        "fifo": fifo(),
        "urgency": urgency(),
        "cancel": cancel(),
        "drain": drain(),
        "lifecycle": lifecycle(),
        "failures": failures(),
        "environment": environment(),
        "binding": binding(),
        "jobspecs": jobspecs(),
    }
    unsat = unsatisfiable()
    files["unsatisfiable"] = unsat[0]
    files["unsatisfiable-small"] = unsat[1]
    files.update(fluxion_files())
    total = 0
    for name, data in files.items():
        header = f"# {name}: generated by make_cases.py; expected outcomes in ../golden/SCHEDULER/{name}.json\n"
        (CASES / f"{name}.yaml").write_text(header + yaml.safe_dump(data, sort_keys=False, width=100))
        total += len(data["cases"])
    print(f"{total} cases in {len(files)} files")


if __name__ == "__main__":
    main()
