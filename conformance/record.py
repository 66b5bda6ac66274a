"""``python -m conformance record``: run the cases on real Flux, write golden files.

Each case file's outcomes go to ``golden/SCHEDULER/NAME.json`` for the
scheduler the instance ran (``--flux-scheduler`` starts instances with
that one; by default whatever ``flux start`` loads), stamped with the
flux-core version, for Fluxion also the flux-sched version and the Fluxion
configuration, and the date, so a later Flux that behaves differently shows
up as a diff in review.
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile

from conformance.backends import Pool, RealInstance, find_flux, instance_key
from conformance.model import SCHEDULERS, fluxion_policies, golden_path, load_cases, load_golden
from conformance.session import run_case

__all__ = ["main", "flux_version", "fluxion_version", "machine_cpus"]


def flux_version(flux):
    """flux-core's version as ``flux version`` reports it (e.g. ``0.88.0``)."""
    out = subprocess.run([flux, "version"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("commands:"):
            return line.split()[-1]
    return out.split()[-1]


def fluxion_version(instance):
    """flux-sched's version as Fluxion's modules log it when they load (``flux dmesg``).

    ``flux version`` names flux-core only; each Fluxion module logs
    ``version X`` at info level on load, so read it soon after the start,
    before the log ring buffer turns over.
    """
    env = {**os.environ, "FLUX_URI": instance.uri}
    out = subprocess.run(
        [instance.flux, "dmesg"], capture_output=True, text=True, check=True, env=env
    ).stdout
    found = re.search(r"sched-fluxion-resource\.info\[0\]: version (\S+)", out)
    return found.group(1) if found else "unknown"


def fluxion_config(instance):
    """The Fluxion configuration an instance runs: policies, each queue as qmanager reports it."""
    stats = instance.handle.rpc("sched-fluxion-qmanager.stats-get", nodeid=0).get()
    keys = ("policy", "queue_depth", "queue_parameters", "policy_parameters")
    policies = fluxion_policies(instance.config)
    return {
        "match-policy": policies["match-policy"],
        "match-format": policies["match-format"],
        "queues": {
            name: {k: q.get(k) for k in keys} for name, q in sorted(stats.get("queues", {}).items())
        },
        "config": instance.config,
    }


def stamp(instance, version):
    """What a golden file says about the Flux it was recorded from."""
    doc = {"flux_version": version}
    if instance.scheduler == "fluxion":
        doc["flux_sched_version"] = fluxion_version(instance)
        doc["fluxion_config"] = fluxion_config(instance)
    return doc


def machine_cpus():
    """The CPUs this process may run on, as the kernel lists them (``0-1``)."""
    from fluxsim.resource import idset

    return idset.encode(sorted(os.sched_getaffinity(0)))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m conformance record", description=__doc__)
    parser.add_argument("--flux", help="flux command (default: flux on PATH)")
    parser.add_argument("-k", "--match", default="", help="only cases whose id contains this")
    parser.add_argument(
        "--flux-scheduler",
        choices=SCHEDULERS,
        help="start instances with this scheduler (default: whatever flux start loads)",
    )
    args = parser.parse_args(argv)
    flux = args.flux or find_flux()
    if flux is None:
        sys.exit("conformance record: no flux command on PATH (use --flux)")
    version = flux_version(flux)
    pool = Pool(flux=flux)
    stamps = {}
    cases = load_cases()
    names = {}  # file -> the names of its cases now
    for case in cases:
        names.setdefault(case.file, set()).add(case.name)
    try:
        for case in cases:
            if args.match not in case.id or case.not_recorded:
                continue
            if args.flux_scheduler and args.flux_scheduler not in case.schedulers:
                continue
            real = pool.get(case.shape, args.flux_scheduler, case.config)
            key = instance_key(case.shape, args.flux_scheduler, case.config)
            if key not in stamps:
                stamps[key] = stamp(real, version)
            if real.scheduler not in SCHEDULERS:
                sys.exit(f"conformance record: the instance runs {real.scheduler!r}; "
                         f"goldens are kept for {', '.join(SCHEDULERS)}")
            if real.scheduler not in case.schedulers:
                continue
            with tempfile.TemporaryDirectory() as outdir:
                outcome = run_case(case, RealInstance(real), outdir)
            save(case.file, real.scheduler, case.name, outcome, stamps[key], names[case.file])
            print(f"recorded {case.id} ({real.scheduler})", flush=True)
    finally:
        pool.close()


def save(file, scheduler, name, outcome, stamped, current=None):
    """Write one case's outcome into its scheduler's golden file (kept sorted by case name).

    Outcomes of cases the file no longer has (not in ``current``) are dropped.
    """
    golden = load_golden(file, scheduler) or {"cases": {}}
    golden["cases"][name] = outcome
    if current is not None:
        golden["cases"] = {k: v for k, v in golden["cases"].items() if k in current}
    doc = {
        **stamped,
        "recorded": datetime.date.today().isoformat(),
        # CPU binding is only comparable on a machine with the same CPUs
        "machine_cpus": machine_cpus(),
        "cases": dict(sorted(golden["cases"].items())),
    }
    if golden.get("also_seen"):
        # outcomes seen on other runs of real Flux (timing), kept by hand: not re-recorded
        doc["also_seen"] = {k: v for k, v in golden["also_seen"].items() if k in doc["cases"]}
    path = golden_path(file, scheduler)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
