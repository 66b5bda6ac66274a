"""job-manager.events-journal and flux.job.JournalConsumer, as flux-core 0.88 has them.

The payloads follow flux-core 0.88's job-manager (journal.c): a backlog
response per job ({id, events, jobspec, R}; inactive jobs only with
``full``), the sentinel {"id": -1, "events": []}, then one response per
event, the jobspec on ``submit`` and R on ``alloc``; jobspec without its
environment, R without ``scheduling``; ``allow``/``deny`` filters by
event name; ``-cancel`` ends the stream with ENODATA.  Every test runs on
an in-process instance and on a ``fluxsim start`` broker in another process.
"""

import errno

import pytest

import fluxsim.job as fj
from dropin_support import broker_uri, h  # noqa: F401 - fixtures
from fluxsim.constants import FLUX_RPC_STREAMING
from fluxsim.job.journal import SENTINEL_EVENT, JournalConsumer

TOPIC = "job-manager.events-journal"


def run(h, urgency=16):
    js = fj.JobspecV1.from_command(["true"])
    js.environment = {"SECRET": "x"}
    jobid = fj.submit(h, js, urgency=urgency)
    if urgency:
        fj.event_wait(h, jobid, "clean")
    return jobid


def backlog(h, payload):
    """The responses up to and including the sentinel, and the open stream."""
    rpc = h.rpc(TOPIC, payload, 0, FLUX_RPC_STREAMING)
    responses = []
    while not responses or responses[-1]["id"] != -1:
        responses.append(rpc.get())
        rpc.reset()
    return responses, rpc


def cancel(h, rpc):
    h.rpc(f"{TOPIC}-cancel", {"matchtag": rpc.matchtag}, 0, 1)
    with pytest.raises(OSError) as info:
        while True:
            rpc.get()
            rpc.reset()
    assert info.value.errno == errno.ENODATA


def test_backlog_holds_each_job_then_the_sentinel(h):
    run(h)
    responses, rpc = backlog(h, {"full": True})
    assert responses[-1] == {"id": -1, "events": []}
    job = responses[-2]
    assert [e["name"] for e in job["events"]][:2] == ["submit", "validate"]
    assert job["events"][-1]["name"] == "clean"
    assert "environment" not in job["jobspec"]["attributes"]["system"]
    assert "scheduling" not in job["R"] and job["R"]["version"] == 1
    cancel(h, rpc)


def test_without_full_the_backlog_leaves_inactive_jobs_out(h):
    pending = run(h, urgency=0)
    responses, rpc = backlog(h, {"full": False})
    assert [r["id"] for r in responses] == [pending, -1]
    cancel(h, rpc)
    fj.cancel(h, pending)


def test_new_events_come_one_per_response(h):
    _, rpc = backlog(h, {})
    jobid = run(h)
    names = []
    while "clean" not in names:
        response = rpc.get()
        rpc.reset()
        assert response["id"] == jobid and len(response["events"]) == 1
        event = response["events"][0]
        names.append(event["name"])
        assert ("jobspec" in response) == (event["name"] == "submit")
        assert ("R" in response) == (event["name"] == "alloc")
    assert names[:2] == ["submit", "validate"]
    cancel(h, rpc)


def test_allow_and_deny_filter_by_event_name(h):
    run(h)
    responses, rpc = backlog(h, {"full": True, "allow": {"submit": 1, "clean": 1},
                                 "deny": {"clean": 1}})
    assert {e["name"] for r in responses for e in r["events"]} == {"submit"}
    cancel(h, rpc)


def test_allow_must_be_an_object(h):
    with pytest.raises(OSError) as info:
        h.rpc(TOPIC, {"allow": ["submit"]}, 0, FLUX_RPC_STREAMING).get()
    assert info.value.errno == errno.EPROTO
    assert info.value.strerror == "job-manager.events allow should be an object"


def test_consumer_history_is_ordered_and_since_skips_it(h):
    run(h)
    consumer = JournalConsumer(h).start()
    events = []
    while not events or events[-1].name != "clean":
        events.append(consumer.poll(timeout=5.0))
    consumer.stop()
    stamps = [e.timestamp for e in events]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert events[0].jobspec is not None and events[0].R is None
    again = JournalConsumer(h, since=events[2].timestamp).start()
    assert again.poll(timeout=5.0) == events[3]
    again.stop()


def test_consumer_sentinel_poll_timeout_and_end(h):
    run(h)
    consumer = JournalConsumer(h, include_sentinel=True).start()
    events = [consumer.poll(timeout=5.0)]
    while not events[-1].is_empty():
        events.append(consumer.poll(timeout=5.0))
    assert events[-1] is SENTINEL_EVENT and events[-2].name == "clean"
    with pytest.raises(TimeoutError):
        consumer.poll(timeout=0.1)
    consumer.stop()
    assert consumer.poll(timeout=5.0) is None


def test_poll_before_start_is_a_runtime_error(h):
    with pytest.raises(RuntimeError):
        JournalConsumer(h).poll(1.0)


def test_consumer_callback_sees_a_new_job(h):
    consumer = JournalConsumer(h, full=False)
    seen = []

    def cb(event):
        seen.append(event)
        if event.name == "clean":
            consumer.stop()

    consumer.set_callback(cb).start()
    jobid = run(h)
    h.reactor_run()
    assert {e.jobid for e in seen} == {jobid}
    assert seen[-1].name == "clean"
