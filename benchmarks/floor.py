"""The least work CPython does for a whole ``fluxsim simulate`` of an SWF trace.

A yardstick for the whole-command targets, not a simulator: it reads the
file as ``fluxsim.trace.swf`` does (one JSON decode of every job line), runs
a binary-heap event loop with a submit and an end event a job on a machine
with no limit (no scheduler, no placement, no job ids, no R), computes each
job's wait, response and bounded slowdown, and writes one CSV row a job.
What ``fluxsim simulate`` does beyond this is the scheduling and everything
the records carry; the time this takes is what no design in CPython saves.

Usage: ``python benchmarks/floor.py TRACE.swf OUTDIR``; prints its wall time.
"""

import csv
import gc
import heapq
import json
import os
import sys
import time

TAU = 10.0  # bounded slowdown's threshold, as fluxsim.trace.metrics


def main(argv):
    t0 = time.perf_counter()
    gc.disable()
    path, out = argv
    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if parts and parts[0][0] != ";":
                texts.append(",".join(parts))
    records = json.loads("[[" + "],[".join(texts) + "]]")
    events = [(float(r[1]), i, 0) for i, r in enumerate(records)]
    heapq.heapify(events)
    starts = [None] * len(records)
    ends = [None] * len(records)
    pop, push = heapq.heappop, heapq.heappush
    while events:
        now, i, kind = pop(events)
        if kind == 0:
            starts[i] = now
            push(events, (now + max(0, records[i][3]), i, 1))
        else:
            ends[i] = now
    rows = []
    for r, start, end in zip(records, starts, ends):
        wait, run = start - r[1], end - start
        rows.append((r[0], r[1], start, end, wait, end - r[1], run,
                     max(1.0, (wait + run) / max(run, TAU))))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "jobs.csv"), "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    print(f"{len(records)} jobs, {time.perf_counter() - t0:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
