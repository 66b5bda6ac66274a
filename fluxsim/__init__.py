"""fluxsim: a simulated Flux instance with flux-core 0.88's job interface.

Code written against ``flux`` and ``flux.job`` runs unchanged against
``fluxsim`` and ``fluxsim.job``: the same jobspecs, allocations (R), job-shell
task layout and environment, RFC 21 events, exceptions and exit codes::

    import fluxsim
    from fluxsim.job import JobspecV1, submit, result

    with fluxsim.start(nnodes=2, cores_per_node=4) as instance:
        h = fluxsim.Flux(instance.uri)
        jobid = submit(h, JobspecV1.from_command(["hostname"], num_tasks=2))
        print(result(h, jobid).returncode)

``clock="real"`` runs real processes in real time; ``clock="virtual"`` jumps
from event to event, for whole workload traces.
"""

from fluxsim.lazy import exports

__all__ = ["Flux", "Instance", "start", "CLOCKS"]
__version__ = "0.1.0"

# Loaded on first use, so that a light module (fluxsim.fsd, used by fluxexec's
# resource checks) does not pull in the simulator and simpy.
__getattr__, __dir__ = exports(
    __name__,
    {"Flux": "fluxsim.handle", "Instance": "fluxsim.instance", "start": "fluxsim.instance",
     "CLOCKS": "fluxsim.instance"},
    globals(),
)
