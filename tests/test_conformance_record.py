"""Re-recording a golden file keeps the outcomes real Flux was also seen to give.

``also_seen`` entries are added by hand after real Flux gave another outcome
by timing (see ``conformance/golden/sched-simple/failures.json``); a new
recording rewrites ``cases`` and must carry them over, except for cases the
file no longer has.
"""

import json

from conformance import model, record


def test_recording_keeps_also_seen_outcomes(tmp_path, monkeypatch):
    monkeypatch.setattr(model, "GOLDEN_DIR", tmp_path)
    path = model.golden_path("failures", "sched-simple")
    path.parent.mkdir(parents=True)
    seen = [{"seen": "under load", "outcome": [{"a": {"state": "inactive"}}]}]
    path.write_text(json.dumps({
        "cases": {"one": [{"a": {"state": "run"}}], "gone": []},
        "also_seen": {"one": seen, "gone": seen},
    }))
    record.save("failures", "sched-simple", "one", [{"a": {"state": "inactive"}}],
                {"flux_version": "0.88.0"}, current={"one"})
    doc = json.loads(path.read_text())
    assert doc["cases"] == {"one": [{"a": {"state": "inactive"}}]}
    assert doc["also_seen"] == {"one": seen}
