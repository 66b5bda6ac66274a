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


def jobspecs():
    def spec(resources, count=None):
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
    total = 0
    for name, data in files.items():
        header = f"# {name}: generated by make_cases.py; expected outcomes in ../golden/{name}.json\n"
        (CASES / f"{name}.yaml").write_text(header + yaml.safe_dump(data, sort_keys=False, width=100))
        total += len(data["cases"])
    print(f"{total} cases in {len(files)} files")


if __name__ == "__main__":
    main()
