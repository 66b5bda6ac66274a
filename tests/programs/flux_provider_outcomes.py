"""What FluxProvider reports for each block of a list, in the instance of FLUX_URI.

    flux start --test-size=2 python flux_provider_outcomes.py CASES_JSON

CASES_JSON is a list of ``[options, command, cancel]``.  For each it submits
one block, cancels it (``cancel`` true) once the block's program has written
to its stdout (so a nested instance is up, past its start-up), waits for
the job's clean event and gives ``[state, message, exit code]`` of the
provider's status, or ``"refused: MESSAGE"`` with Flux's message when the
submission is refused.  It prints one JSON line.
"""

import json
import sys

import flux
import flux.job
from parsl.providers.errors import SubmitException

from fluxexec import FluxProvider


def wait_event(h, jobid, name, eventlog="eventlog"):
    """Wait for the event ``name`` of the job's ``eventlog``."""
    for event in flux.job.event_watch(h, flux.job.JobID(jobid), eventlog):
        if event.name == name:
            return


def outcome(h, options, command, cancel):
    provider = FluxProvider(**options)
    try:
        jobid = provider.submit(command, 1, "parsl.test.block-0")
    except SubmitException as exc:
        return f"refused: {exc.__cause__}"
    if cancel:
        # each eventlog exists once the step before it (a watch before fails, ENOENT)
        wait_event(h, jobid, "start")
        wait_event(h, jobid, "shell.start", "guest.exec.eventlog")
        for event in flux.job.event_watch(h, flux.job.JobID(jobid), "guest.output"):
            if event.name == "data" and event.context.get("stream") == "stdout":
                break
        provider.cancel([jobid])
    wait_event(h, jobid, "clean")
    status = provider.status([jobid])[0]
    return [status.state.name, status.message, status.exit_code]


def main(cases):
    h = flux.Flux()
    print("OUTCOMES " + json.dumps([outcome(h, *case) for case in cases]), flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
