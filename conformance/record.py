"""``python -m conformance record``: run the cases on real Flux, write golden files.

Each case file's outcomes go to ``golden/NAME.json``, stamped with the
flux-core version and the date, so a later Flux that behaves differently
shows up as a diff in review.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

from conformance.backends import RealFlux, RealInstance, find_flux, shape_key
from conformance.model import golden_path, load_cases, load_golden
from conformance.session import run_case

__all__ = ["main", "flux_version", "machine_cpus"]


def flux_version(flux):
    """flux-core's version as ``flux version`` reports it (e.g. ``0.88.0``)."""
    out = subprocess.run([flux, "version"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("commands:"):
            return line.split()[-1]
    return out.split()[-1]


def machine_cpus():
    """The CPUs this process may run on, as the kernel lists them (``0-1``)."""
    from fluxsim.resource import idset

    return idset.encode(sorted(os.sched_getaffinity(0)))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m conformance record", description=__doc__)
    parser.add_argument("--flux", help="flux command (default: flux on PATH)")
    parser.add_argument("-k", "--match", default="", help="only cases whose id contains this")
    args = parser.parse_args(argv)
    flux = args.flux or find_flux()
    if flux is None:
        sys.exit("conformance record: no flux command on PATH (use --flux)")
    version = flux_version(flux)
    instances = {}
    try:
        for case in load_cases():
            if args.match not in case.id or case.not_recorded:
                continue
            key = shape_key(case.shape)
            if key not in instances:
                instances[key] = RealFlux(case.shape, flux=flux)
            with tempfile.TemporaryDirectory() as outdir:
                outcome = run_case(case, RealInstance(instances[key]), outdir)
            save(case.file, case.name, outcome, version)
            print(f"recorded {case.id}", flush=True)
    finally:
        for inst in instances.values():
            inst.close()


def save(file, name, outcome, version):
    """Write one case's outcome into its golden file (kept sorted by case name)."""
    golden = load_golden(file) or {"cases": {}}
    golden["flux_version"] = version
    golden["recorded"] = datetime.date.today().isoformat()
    golden["cases"][name] = outcome
    doc = {
        "flux_version": golden["flux_version"],
        "recorded": golden["recorded"],
        # CPU binding is only comparable on a machine with the same CPUs
        "machine_cpus": machine_cpus(),
        "cases": dict(sorted(golden["cases"].items())),
    }
    golden_path(file).write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
