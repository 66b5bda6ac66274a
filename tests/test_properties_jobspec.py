"""Random jobspecs, valid and not, never crash the engine (property tests).

A jobspec is untrusted input: whatever ``from_command`` is given and
whatever a jobspec dict holds, a call into the Flux API raises only Flux's
errors (``OSError`` and its subclasses; ``ValueError``/``TypeError`` from
the Jobspec constructors, as ``flux.job`` raises them), and the instance
goes on: every job submitted ends, or is held, or waits for busy
resources, or runs for ever by its exec.test; once everything is
cancelled, everything is inactive and the pool is free.  Submissions go
through ``fluxsim.job.submit`` (validated, or not) and through
``Instance.submit`` with ``FLUX_JOB_NOVALIDATE``.
"""

import errno
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fluxsim
import fluxsim.job
from fluxsim.constants import FLUX_JOB_NOVALIDATE, State
from fluxsim.job import JobspecV1, validate_jobspec
from invariants import FLUX_ERRORS, check_all_done, check_at_rest, check_jobs, check_pool
from strategies import examples, from_command_args, jobspecs, shapes, urgencies

POLICIES = ["fifo", "backfill", "conservative", "fluxion"]
#: How a jobspec reaches the instance.
ROUTES = ["submit", "submit-novalidate", "instance-novalidate"]


@examples(200)
@given(args=from_command_args)
def test_from_command_raises_only_value_or_type_errors_and_builds_valid_jobspecs(args):
    try:
        js = JobspecV1.from_command(["true"], **args)
    except (ValueError, TypeError):
        return
    assert validate_jobspec(js.dumps(), 1)[0] is True


@examples(150)
@given(spec=jobspecs())
def test_jobspec_validation_raises_only_value_or_type_errors(spec):
    text = json.dumps(spec)
    try:
        validate_jobspec(text, 1)
    except (ValueError, TypeError):
        pass


def _submit(inst, h, route, spec, urgency):
    """Submit by ``route``; the job, or None if Flux refused it."""
    try:
        if route == "instance-novalidate":
            with inst.operation():
                return inst.submit(spec, urgency=urgency, flags=FLUX_JOB_NOVALIDATE)
        jobid = fluxsim.job.submit(
            h, json.dumps(spec), urgency=urgency, novalidate=route == "submit-novalidate"
        )
    except FLUX_ERRORS:
        return None
    with inst.lock:
        return inst.jobmanager.jobs[jobid]


def _query(h, job):
    """The job's public views answer (with Flux's errors at most)."""
    try:
        fluxsim.job.get_job(h, job.id)
        fluxsim.job.job_kvs_lookup(h, job.id, keys=["jobspec", "R", "eventlog"])
    except FLUX_ERRORS:
        pass


submissions = st.lists(
    st.tuples(st.sampled_from(ROUTES), jobspecs(), urgencies), min_size=1, max_size=6
)


@pytest.mark.parametrize("policy", POLICIES)
@examples(60)
@given(shape=shapes, subs=submissions)
def test_random_jobspecs_on_a_virtual_instance(policy, shape, subs):
    nnodes, cores, gpus = shape
    with fluxsim.start(nnodes=nnodes, cores_per_node=cores, gpus_per_node=gpus,
                       clock="virtual", policy=policy) as inst:
        h = fluxsim.Flux(inst.uri)
        jobs = [job for route, spec, urgency in subs
                if (job := _submit(inst, h, route, spec, urgency)) is not None]
        check_pool(inst)
        inst.run()
        check_jobs(inst)
        check_pool(inst)
        check_at_rest(inst)
        fluxsim.job.job_list(h).get()
        for job in jobs:
            _query(h, job)
            if job.active:
                fluxsim.job.cancel(h, job.id)
        inst.run()
        check_all_done(inst)
        for job in jobs:
            assert fluxsim.job.result(h, job.id).result in (
                "COMPLETED", "FAILED", "CANCELED", "TIMEOUT")
            assert [e.name for e in fluxsim.job.event_watch(h, job.id)][-1] == "clean"
            _query(h, job)


@examples(15)
@given(shape=shapes, subs=st.lists(
    st.tuples(st.sampled_from(ROUTES), jobspecs(real=True), urgencies), min_size=1, max_size=4))
def test_random_jobspecs_on_a_real_instance(shape, subs):
    nnodes, cores, gpus = shape
    with fluxsim.start(nnodes=nnodes, cores_per_node=cores, gpus_per_node=gpus) as inst:
        h = fluxsim.Flux(inst.uri)
        jobs = [job for route, spec, urgency in subs
                if (job := _submit(inst, h, route, spec, urgency)) is not None]
        check_jobs(inst)
        check_pool(inst)
        for job in jobs:
            _query(h, job)
            try:
                fluxsim.job.cancel(h, job.id)
            except FileNotFoundError:  # job_raise's ENOENT: already inactive
                pass
        for job in jobs:
            fluxsim.job.result_async(h, job.id).wait_for(10)
        assert all(not job.active for job in jobs)
        check_all_done(inst)
        assert inst.running, "the broker thread died"


# -- regressions found by the properties above ---------------------------------------------


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(
    "constraint, note",
    [
        (5, "argument of type 'int' is not iterable"),
        ({"foo": 1}, "unknown constraint operator(s): ['foo']"),
        ({"properties": [1]}, "property constraint must be a string, got int"),
        ([1], "'list' object has no attribute 'keys'"),
        ({"ranks": {"a": 1}}, "invalid idset 'a': error parsing range 'a'"),
    ],
)
def test_malformed_constraint_submitted_without_validation_is_denied(policy, constraint, note):
    with fluxsim.start(nnodes=2, cores_per_node=2, clock="virtual", policy=policy) as inst:
        spec = JobspecV1.from_command(["true"], environment={}).jobspec
        spec["attributes"]["system"]["constraints"] = constraint
        with inst.operation():
            job = inst.submit(spec, flags=FLUX_JOB_NOVALIDATE)
        inst.run()
        assert job.state == State.INACTIVE
        assert (job.exception.context["type"], job.exception.context["note"]) == ("alloc", note)
        check_all_done(inst)


@pytest.mark.parametrize("novalidate", [False, True])
@pytest.mark.parametrize("attributes", [{"system": [None]}, [1], "x"])
def test_jobspec_whose_attributes_are_no_objects_is_refused(novalidate, attributes):
    # Recorded on flux-core 0.88.0: the validator refuses it (EPERM); without
    # validation the job manager cannot unpack attributes.system (EINVAL).
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        spec = JobspecV1.from_command(["true"], environment={}).jobspec
        spec["attributes"] = attributes
        if not novalidate:
            with pytest.raises(PermissionError):
                fluxsim.job.submit(h, json.dumps(spec))
            return
        with pytest.raises(OSError) as info:
            fluxsim.job.submit(h, json.dumps(spec), novalidate=True)
        assert info.value.errno == errno.EINVAL


@pytest.mark.parametrize("text", ["5", '"jobspec"', "null", "[]", "[1]"])
def test_jobspec_that_is_no_json_object_is_refused(text):
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        with pytest.raises(OSError):
            fluxsim.job.submit(h, text)


@pytest.mark.parametrize(
    "path, value",
    [
        (("attributes", "system", "shell"), None),
        (("attributes", "system", "shell"), [1]),
        (("attributes", "system", "shell", "options"), [1]),
        (("attributes", "system", "shell", "options"), {"output": 5}),
        (("attributes", "system", "shell", "options"),
         {"output": {"stdout": {"path": "/nonexistent/dir/out"}}}),
        (("attributes", "system", "shell", "options"), {"pmi": []}),
        (("attributes", "system", "cwd"), 5),
        (("attributes", "system", "job"), [1]),
        (("tasks", 0, "command"), [1]),
        (("tasks", 0, "command"), []),
        (("tasks", 0, "command"), ["true", None]),
    ],
)
def test_real_job_with_a_malformed_shell_section_ends_without_crashing_the_broker(path, value):
    spec = JobspecV1.from_command(["true"], environment={}).jobspec
    node = spec
    for key in path[:-1]:
        node = node[key] if isinstance(key, int) else node.setdefault(key, {})
    node[path[-1]] = value
    with fluxsim.start(nnodes=1, cores_per_node=1) as inst:
        h = fluxsim.Flux(inst.uri)
        jobid = fluxsim.job.submit(h, json.dumps(spec), novalidate=True)
        fluxsim.job.result_async(h, jobid).wait_for(10)
        assert inst.running
        check_all_done(inst)
