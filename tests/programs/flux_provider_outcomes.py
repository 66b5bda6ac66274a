"""What FluxProvider reports for each block of a list, in the instance of FLUX_URI.

    flux start --test-size=2 python flux_provider_outcomes.py CASES_JSON

CASES_JSON is a list of ``[options, command]``.  For each it submits one
block, waits for the job's clean event and gives ``[state, message,
exit code]`` of the provider's status, or ``"refused: MESSAGE"`` with Flux's
message when the submission is refused.  It prints one JSON line.
"""

import json
import sys

import flux
import flux.job
from parsl.providers.errors import SubmitException

from fluxexec import FluxProvider


def outcome(h, options, command):
    provider = FluxProvider(**options)
    try:
        jobid = provider.submit(command, 1, "parsl.test.block-0")
    except SubmitException as exc:
        return f"refused: {exc.__cause__}"
    for event in flux.job.event_watch(h, flux.job.JobID(jobid)):
        if event.name == "clean":
            break
    status = provider.status([jobid])[0]
    return [status.state.name, status.message, status.exit_code]


def main(cases):
    h = flux.Flux()
    print("OUTCOMES " + json.dumps([outcome(h, options, command) for options, command in cases]), flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
