"""The ``fluxsim`` command: replay a workload trace, compare two runs.

::

    fluxsim simulate TRACE --nodes N --cores-per-node C [--gpus-per-node G]
                     --policy fifo|backfill|conservative --out DIR [--plot]
    fluxsim compare DIR_A DIR_B
    fluxsim start [--test-size=N] [-c PATH] [--conf=KEY=VALUE] [COMMAND...]

``simulate`` reads TRACE (SWF, or a JSON/CSV job list), replays it in
virtual time and writes ``DIR/jobs.csv`` (one row a job),
``DIR/summary.csv`` (the run's metrics) and, with ``--plot``,
``DIR/utilization.png`` and, for small runs, ``DIR/gantt.png``; it prints
the summary table.  For an SWF trace ``--nodes`` and ``--cores-per-node``
default to the header's ``MaxNodes`` and ``ceil(MaxProcs / MaxNodes)``.
The ``--resources``, ``--size``, ``--duration`` ... options choose the SWF
mapping (``fluxsim.trace.mapping``).  ``compare`` prints two runs' summaries
side by side.  The same is available from Python as ``fluxsim.trace``.
``start`` runs COMMAND inside a simulated instance, as ``flux start`` does
(see :mod:`fluxsim.broker`).
"""

import argparse
import contextlib
import gc
import math
import os
import sys
import time

__all__ = ["main", "simulate", "parser"]


def _is_swf(path, fmt):
    if fmt:
        return fmt == "swf"
    lowered = str(path).lower()
    return not (lowered.endswith(".json") or lowered.endswith(".csv"))


def _at_least(low):
    """An argparse type: an integer >= ``low``, else argparse's error naming the bound."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}, not {value}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def parser():
    """The argument parser of the ``fluxsim`` command."""
    from fluxsim.fluxion.config import MATCH_POLICIES, QUEUE_POLICIES
    from fluxsim.scheduler import POLICIES, SCHEDULERS
    from fluxsim.trace import mapping

    p = argparse.ArgumentParser(prog="fluxsim", description="A simulated Flux, in virtual time.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("simulate", help="replay a workload trace in virtual time")
    s.add_argument("trace", help="SWF file, or a JSON/CSV job list")
    s.add_argument("--nodes", type=_at_least(1), help="nodes (SWF default: MaxNodes)")
    s.add_argument(
        "--cores-per-node", type=_at_least(1), help="cores per node (SWF default: ceil(MaxProcs/MaxNodes))"
    )
    s.add_argument("--gpus-per-node", type=_at_least(0), default=0)
    s.add_argument("--scheduler", choices=SCHEDULERS,
                   help="fluxion (default, as flux start with flux-sched) or sched-simple")
    s.add_argument("--policy", choices=sorted(POLICIES),
                   help="a sched-simple policy (implies --scheduler sched-simple)")
    s.add_argument("--match-policy", help="Fluxion's match policy (default first): "
                   + ", ".join(MATCH_POLICIES) + ", or a \"policy=... node_centric=...\" string")
    s.add_argument("--queue-policy", choices=QUEUE_POLICIES,
                   help="Fluxion's queue policy (default fcfs)")
    s.add_argument("--out", required=True, help="directory for jobs.csv, summary.csv, *.png")
    s.add_argument("--plot", action="store_true", help="also draw PNG pictures")
    s.add_argument("--format", choices=("swf", "json", "csv"), help="input format (default: by name)")
    s.add_argument("--limit", type=_at_least(1), help="replay only the first LIMIT records")
    s.add_argument("--faults", help="CSV/JSON file of node faults (time,action,ranks)")
    s.add_argument("--mode", choices=("fast", "instance"), default="fast",
                   help="engine: fast (default) or a full fluxsim Instance")
    s.add_argument("--queue-depth", type=_at_least(1),
                   help="jobs considered per pass (conservative; Fluxion's queue-depth)")
    s.add_argument("--resources", choices=mapping.RESOURCES, default="cores",
                   help="SWF processors become cores (default) or whole nodes")
    s.add_argument("--size", choices=mapping.SIZES, default="requested",
                   help="SWF processor count: requested (default) or allocated")
    s.add_argument("--duration", choices=mapping.DURATIONS, default="requested",
                   help="Flux time limit: requested time (default), run time, or none")
    s.add_argument("--default-duration", type=float, default=0.0,
                   help="time limit when the trace has none (0: unlimited)")
    s.add_argument("--overrun", choices=mapping.OVERRUNS, default="timeout",
                   help="a run past its limit: timeout (default) or extend the limit")
    s.add_argument("--failed", choices=mapping.FAILED, default="fail")
    s.add_argument("--cancelled", choices=mapping.CANCELLED, default="skip")
    s.add_argument("--quiet", action="store_true", help="print nothing but errors")

    c = sub.add_parser("compare", help="compare the metrics of two simulate runs")
    c.add_argument("a", help="a simulate --out directory (or its summary.csv)")
    c.add_argument("b", help="another one")
    return p


class _ProgressBar:
    """The replay's ``progress(done, total)``: a tqdm bar on stderr, once ``delay`` s have passed.

    A run that ends sooner never shows the bar, nor pays for importing tqdm.
    """

    def __init__(self, delay=1.0):
        self.delay = delay
        self.show_at = time.monotonic() + delay
        self.bar = None

    def __call__(self, done, total):
        if self.bar is None:
            if time.monotonic() < self.show_at:
                return
            try:
                from tqdm import tqdm
            except ImportError:
                self.show_at = math.inf
                return
            self.bar = tqdm(total=total, unit="job", file=sys.stderr, leave=False,
                            mininterval=0.25)
        self.bar.update(done - self.bar.n)

    def close(self):
        """Take the bar off the terminal, if it is there."""
        if self.bar is not None:
            self.bar.close()


@contextlib.contextmanager
def _gc_paused(exiting=False):
    # A replay allocates a few objects per job and keeps them all to the end
    # (trace, workload, records, R); the cyclic collector's passes over that
    # growing heap took a third of the command's time and freed nothing
    # (peak memory is the same without them).  Reference counting still
    # frees everything else, and the collector takes the run's leftover
    # cycles once it is enabled again.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if exiting:
            # The process ends with the run: leave its objects to the
            # operating system, not to a last full collection (which the
            # first allocation after gc.enable(), or the interpreter's exit,
            # would run: half a second for the Gaia trace).
            gc.freeze()
        if enabled:
            gc.enable()


def simulate(args):
    """Run ``fluxsim simulate`` with parsed ``args``; returns (result, summary)."""
    with _gc_paused():
        return _simulate(args)


def _simulate(args):
    from fluxsim.aside import aside
    from fluxsim.trace import faults as faults_mod
    from fluxsim.trace import joblist, mapping, metrics, swf
    from fluxsim.trace.replay import replay

    if _is_swf(args.trace, args.format):
        trace = swf.read_swf(args.trace, limit=args.limit)
        header = trace.header
        nodes = args.nodes or header.max_nodes
        cpn = args.cores_per_node
        if cpn is None and header.max_procs and nodes:
            cpn = math.ceil(header.max_procs / (header.max_nodes or nodes))
        if not nodes or not cpn:
            raise SystemExit("fluxsim: give --nodes and --cores-per-node (the trace header has none)")
        swf_mapping = mapping.SWFMapping(
            size=args.size,
            resources=args.resources,
            cores_per_node=cpn,
            duration=args.duration,
            default_duration=args.default_duration,
            overrun=args.overrun,
            failed=args.failed,
            cancelled=args.cancelled,
        )
        workload = swf_mapping.workload(trace.records, trace.source, header.as_dict())
    else:
        nodes, cpn = args.nodes, args.cores_per_node
        if not nodes or not cpn:
            raise SystemExit("fluxsim: a job list needs --nodes and --cores-per-node")
        workload = joblist.read_joblist(args.trace, cores_per_node=cpn, format=args.format)
        if args.limit is not None:
            workload = workload[: args.limit]
    faults = faults_mod.read_faults(args.faults) if args.faults else []
    bar = _ProgressBar() if not args.quiet and sys.stderr.isatty() else None
    try:
        result = replay(
            workload,
            nnodes=nodes,
            cores_per_node=cpn,
            gpus_per_node=args.gpus_per_node,
            policy=args.policy,
            faults=faults,
            mode=args.mode,
            progress=bar,
            queue_depth=args.queue_depth,
            scheduler=args.scheduler,
            match_policy=args.match_policy,
            queue_policy=args.queue_policy,
        )
    finally:
        if bar is not None:
            bar.close()
    os.makedirs(args.out, exist_ok=True)
    rows = metrics.job_rows(result)
    extra = {
        "trace": os.path.basename(str(args.trace)),
        "policy": result.policy,
        "nodes": nodes,
        "cores_per_node": cpn,
        "gpus_per_node": args.gpus_per_node,
    }
    pictures = []
    # the rows are written by a child meanwhile (see fluxsim.aside)
    with aside(metrics.write_jobs_csv, result, os.path.join(args.out, "jobs.csv"), rows=rows):
        summary = metrics.run_metrics(result, rows=rows)
        metrics.write_summary_csv(summary, os.path.join(args.out, "summary.csv"), extra)
        if args.plot:
            from fluxsim.trace import plot

            pictures.append(plot.utilization(result, os.path.join(args.out, "utilization.png")))
            if len(result.records) <= plot.GANTT_MAX_JOBS:
                pictures.append(plot.gantt(result, os.path.join(args.out, "gantt.png")))
    if not args.quiet:
        skipped = sum(workload.skipped.values())
        title = (
            f"{extra['trace']}: {len(workload)} jobs"
            + (f" ({skipped} records skipped)" if skipped else "")
            + f", {nodes} nodes x {cpn} cores, policy {result.policy}"
        )
        print(metrics.format_summary(summary, title))
        print(f"  wrote {args.out}/jobs.csv, summary.csv" + "".join(
            f", {os.path.basename(p)}" for p in pictures))
    return result, summary


def compare(args):
    """Run ``fluxsim compare``: print both summaries and their differences."""
    from fluxsim.trace import metrics

    def load(path):
        if os.path.isdir(path):
            path = os.path.join(path, "summary.csv")
        return metrics.read_summary(path)

    a, b = load(args.a), load(args.b)
    names = (str(a.get("policy") or "A"), str(b.get("policy") or "B"))
    if names[0] == names[1]:
        names = ("A", "B")
    print(metrics.compare(a, b, names))


def main(argv=None):
    """Entry point of the ``fluxsim`` console script.

    ``argv`` None is the process's own command line: the process ends with
    this call, and a simulation's objects are left to its exit.
    """
    exiting = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["start"]:
        # flux start's own options and command line (see fluxsim.broker)
        from fluxsim import broker

        return broker.main(argv[1:])
    args = parser().parse_args(argv)
    try:
        if args.command == "simulate":
            with _gc_paused(exiting=exiting):
                _simulate(args)
        else:
            compare(args)
    except (OSError, ValueError) as exc:
        print(f"fluxsim: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
