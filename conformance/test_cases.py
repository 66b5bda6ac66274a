"""Every case of ``cases/`` on the selected lane, against its golden outcome."""

import pytest

from conformance.model import diff_outcomes, flux_version_of, load_cases, load_golden

CASES = load_cases()
_GOLDEN = {}


def expected_outcome(case):
    """(expected outcome, where it came from) for ``case``, or skip."""
    if case.file not in _GOLDEN:
        _GOLDEN[case.file] = load_golden(case.file)
    golden = _GOLDEN[case.file]
    if golden and case.name in golden["cases"]:
        if case.binds:
            from conformance.record import machine_cpus

            recorded = golden.get("machine_cpus")
            if recorded != machine_cpus():
                pytest.skip(
                    f"{case.id}: binding recorded on CPUs {recorded}, this machine has {machine_cpus()}"
                )
        return golden["cases"][case.name], f"flux-core {flux_version_of(golden)}"
    if case.expect is not None:
        return case.expect, f"documented rule (not recorded from Flux: {case.not_recorded})"
    pytest.skip(f"{case.id}: no golden outcome; run `python -m conformance record`")


@pytest.mark.conformance_case
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case, case_instance, tmp_path):
    expected, source = expected_outcome(case)
    from conformance.session import run_case

    observed = run_case(case, case_instance(case), str(tmp_path))
    diff = diff_outcomes(expected, observed)
    assert not diff, f"{case.id} disagrees with {source} (expected | observed):\n{diff}"
