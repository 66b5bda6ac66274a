"""Run every benchmark once, in its default size (``tox -e bench``).

Each prints its own Markdown table; numbers go to ``benchmarks/README.md`` by
hand, with the machine and date.  Arguments after ``--`` pick benchmarks by
name: ``trace``, ``memory``, ``executors``, ``provider``.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

BENCHMARKS = {
    "trace": ["bench_trace.py", "gaia", "jobs", "cli"],
    "memory": ["bench_memory.py", "-n", "10000"],
    "executors": ["bench_executors.py", "--backend", "sim", "-n", "100"],
    # HTEX on a FluxProvider block vs raw jobs, inside `fluxsim start`
    "provider": ["bench_executors.py", "--backend", "flux", "--flux", "fluxsim", "-n", "2000", "--skip-parsl", "--htex"],
}


def main(argv=None):
    names = (argv if argv is not None else sys.argv[1:]) or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark {unknown[0]!r}; valid: {', '.join(BENCHMARKS)}")
    failed = 0
    for name in names:
        script, *args = BENCHMARKS[name]
        print(f"\n## {name}\n", flush=True)
        failed |= subprocess.call([sys.executable, os.path.join(HERE, script), *args])
    return failed


if __name__ == "__main__":
    sys.exit(main())
