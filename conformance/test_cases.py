"""Every case of ``cases/`` on the selected lane, against its scheduler's golden outcome."""

import pytest

from conformance.model import (
    diff_outcomes, flux_version_of, load_cases, load_golden, policy_label, scheduler_label,
)

CASES = load_cases()
_GOLDEN = {}


def _golden(case, scheduler):
    """``scheduler``'s golden document of ``case``'s file (read once), or None."""
    key = (case.file, scheduler)
    if key not in _GOLDEN:
        _GOLDEN[key] = load_golden(case.file, scheduler)
    return _GOLDEN[key]


def expected_outcome(case, scheduler):
    """(expected outcome, where it came from) for ``case`` on ``scheduler``, or skip."""
    golden = _golden(case, scheduler)
    if golden and case.name in golden["cases"]:
        if case.binds:
            from conformance.record import machine_cpus

            recorded = golden.get("machine_cpus")
            if recorded != machine_cpus():
                pytest.skip(
                    f"{case.id}: binding recorded on CPUs {recorded}, this machine has {machine_cpus()}"
                )
        return golden["cases"][case.name], f"{scheduler} on {flux_version_of(golden)}"
    if case.expect is not None:
        return case.expect, f"documented rule (not recorded from Flux: {case.not_recorded})"
    pytest.skip(f"{case.id}: no {scheduler} golden outcome; run `python -m conformance record`")


def also_seen(case, scheduler):
    """Other outcomes real Flux was seen to give for ``case`` (golden ``also_seen``)."""
    return ((_golden(case, scheduler) or {}).get("also_seen") or {}).get(case.name, [])


@pytest.mark.conformance_case
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case, case_instance, record_property, tmp_path):
    from conformance.session import run_case

    inst = case_instance(case)
    record_property("flux_scheduler", inst.scheduler)
    record_property("flux_policy", policy_label(inst.scheduler, inst.config))
    expected, source = expected_outcome(case, inst.scheduler)
    observed = run_case(case, inst, str(tmp_path))
    diff = diff_outcomes(expected, observed)
    if diff and any(not diff_outcomes(seen["outcome"], observed)
                    for seen in also_seen(case, inst.scheduler)):
        return  # another outcome real Flux gives, by timing (the golden file says when)
    assert not diff, (
        f"{case.id} on {scheduler_label(inst.scheduler, inst.config)} disagrees with "
        f"{source} (expected | observed):\n{diff}"
    )
