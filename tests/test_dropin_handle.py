"""flux.Flux, flux.rpc and flux.future as flux-core 0.88 has them, in-process and across processes.

Expected values were recorded from flux-core 0.88.0 (``flux start
--test-size=2``): the constants' values, the errors of ``rpc`` arguments and
of node ids without a route, broker attribute rules (``attr.set`` of an
unknown, a read-only or an immutable attribute; ``attr.rm`` of an immutable
one), ``config.load``, FLUX_RPC_NORESPONSE futures, ``then`` callbacks run by
``reactor_run`` (a ``wait_async`` future; an eventlog watch cancelled with
``stop=True`` from its first callback calls back once), timer watchers.
Every handle test runs on an in-process instance and on a ``fluxsim start``
broker in another process.
"""

import errno
import json

import pytest

import fluxsim
import fluxsim.constants as C
import fluxsim.job as fj
from fluxsim.rpc import RPC
from dropin_support import broker_uri, h  # noqa: F401 (fixtures)


def completed_job(h, **flags):
    jobid = fj.submit(h, fj.JobspecV1.from_command(["true"]), **flags)
    fj.event_wait(h, jobid, "clean")
    return jobid


# -- constants ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name, value",
    [
        ("FLUX_RPC_NORESPONSE", 1), ("FLUX_RPC_STREAMING", 2),
        ("FLUX_NODEID_ANY", 4294967295), ("FLUX_NODEID_UPSTREAM", 4294967294),
        ("FLUX_MSGTYPE_REQUEST", 1), ("FLUX_MSGTYPE_RESPONSE", 2), ("FLUX_MSGTYPE_EVENT", 4),
        ("FLUX_MSGTYPE_ANY", 15), ("FLUX_MATCHTAG_NONE", 0),
        ("FLUX_JOB_STATE_NEW", 1), ("FLUX_JOB_STATE_SCHED", 8), ("FLUX_JOB_STATE_INACTIVE", 64),
        ("FLUX_JOB_STATE_PENDING", 14), ("FLUX_JOB_STATE_RUNNING", 48),
        ("FLUX_JOB_STATE_ACTIVE", 62),
        ("FLUX_JOB_RESULT_COMPLETED", 1), ("FLUX_JOB_RESULT_FAILED", 2),
        ("FLUX_JOB_RESULT_CANCELED", 4), ("FLUX_JOB_RESULT_TIMEOUT", 8),
        ("FLUX_JOB_URGENCY_MAX", 31), ("FLUX_JOB_EVENT_WATCH_WAITCREATE", 1),
        ("FLUX_KVS_WAITCREATE", 8), ("FLUX_ROLE_OWNER", 1), ("FLUX_REACTOR_NOWAIT", 1),
    ],
)
def test_constants(name, value):
    assert getattr(C, name) == value
    assert name in C.__all__


def test_state_and_result_enums_are_the_constants():
    for state in C.State:
        assert getattr(C, f"FLUX_JOB_STATE_{state.name}") == state
    for result in C.Result:
        assert getattr(C, f"FLUX_JOB_RESULT_{result.name}") == result


# -- rpc arguments -------------------------------------------------------------------------

@pytest.mark.parametrize("topic", ["broker.ping", b"broker.ping"])
def test_rpc_topic_str_or_bytes(h, topic):
    response = h.rpc(topic, {"seq": 1, "pad": "stuff"}).get()
    assert (response["seq"], response["pad"]) == (1, "stuff")


@pytest.mark.parametrize("nodeid", [0, 1, C.FLUX_NODEID_ANY])
def test_rpc_to_a_rank_of_the_instance(h, nodeid):
    assert h.rpc("broker.ping", {"seq": 2}, nodeid=nodeid).get()["seq"] == 2


@pytest.mark.parametrize("nodeid", [2, C.FLUX_NODEID_UPSTREAM])
def test_rpc_without_route(h, nodeid):
    with pytest.raises(OSError) as err:
        h.rpc("broker.ping", {}, nodeid=nodeid).get()
    assert (err.value.errno, err.value.strerror) == (errno.EHOSTUNREACH, "No route to host")


@pytest.mark.parametrize(
    "args, kwargs, exc, text",
    [
        ((None,), {}, OSError, "[Errno 22] Topic must not be None/NULL"),
        ((42,), {}, TypeError, "(22, \"Topic must be a string, not <class 'int'>\")"),
        (("broker.ping", {}), {"flags": 4}, OSError, "[Errno 22] EINVAL: Invalid argument"),
        (("broker.ping", {}), {"nodeid": -1}, OverflowError,
         "can't convert negative number to unsigned"),
    ],
)
def test_rpc_bad_arguments(h, args, kwargs, exc, text):
    with pytest.raises(exc) as err:
        h.rpc(*args, **kwargs)
    assert str(err.value) == text


def test_rpc_unknown_topic(h):
    with pytest.raises(OSError) as err:
        h.rpc("nosuch.topic", {}).get()
    assert err.value.errno == errno.ENOSYS
    assert err.value.strerror == "No service matching nosuch.topic is registered"


@pytest.mark.parametrize("topic", ["broker.ping", "log.append"])
def test_rpc_noresponse_is_ready_at_once(h, topic):
    future = h.rpc(topic, {"level": 6, "message": "x"}, flags=C.FLUX_RPC_NORESPONSE)
    assert future.wait_for(5).is_ready()
    with pytest.raises(OSError) as err:
        future.get()
    assert err.value.errno == errno.EINVAL


def test_rpc_streaming_flag(h):
    jobid = completed_job(h)
    payload = {"id": jobid, "path": "eventlog", "flags": 0}
    future = h.rpc("job-info.eventlog-watch", payload, flags=C.FLUX_RPC_STREAMING)
    names = []
    with pytest.raises(OSError) as err:
        while True:
            names.append(json.loads(future.get()["event"])["name"])
            future.reset()
    assert err.value.errno == errno.ENODATA
    assert names[0] == "submit" and names[-1] == "clean"


def test_rpc_class_and_context_manager(h):
    with RPC(h, "broker.ping", '{"seq": 3}') as future:
        assert future.get()["seq"] == 3
        assert '"seq": 3' in future.get_str()


def test_then_needs_a_callback(h):
    with pytest.raises(ValueError, match="Callback cannot be None"):
        h.rpc("broker.ping", {}).then(None)


# -- broker attributes and configuration -----------------------------------------------------

def test_attr_set_get_remove(h):
    h.attr_set("test.foo", "ƒ Φ")
    assert h.attr_get("test.foo") == "ƒ Φ"
    assert h.rpc("attr.get", {"name": "test.foo"}).get() == {"value": "ƒ Φ", "flags": 0}
    h.attr_set("test.foo", "again")  # test.* may be updated
    h.attr_remove("test.foo")
    h.attr_remove("test.foo")  # removing what is not there is no error
    with pytest.raises(FileNotFoundError, match=r"ENOENT: No such file or directory"):
        h.attr_get("test.foo")


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda h: h.attr_set("nosuch.attr", "x"), FileNotFoundError),  # unregistered
        (lambda h: (h.attr_set("test-ro.a", "1"), h.attr_set("test-ro.a", "2")), OSError),
        (lambda h: (h.attr_set("test-im.a", "1"), h.attr_set("test-im.a", "2")), OSError),
        (lambda h: h.attr_set("size", "3"), OSError),
        (lambda h: h.attr_set("local-uri", "foo"), OSError),
        (lambda h: h.attr_remove("size"), PermissionError),
        (lambda h: h.attr_remove("local-uri"), PermissionError),
        (lambda h: h.attr_set("test.x", 1), ValueError),
        (lambda h: h.attr_set(42, "x"), ValueError),
        (lambda h: h.attr_remove(1), ValueError),
    ],
)
def test_attr_refused(h, call, exc):
    with pytest.raises(exc) as err:
        call(h)
    assert type(err.value) is exc
    if exc is OSError:
        assert err.value.errno == errno.EINVAL


def test_attr_flags_tell_immutable(h):
    assert h.rpc("attr.get", {"name": "size"}).get() == {"value": "2", "flags": 1}
    assert h.rpc("attr.get", {"name": "version"}).get()["flags"] == 0


def test_config_load_and_conf_get_update(h):
    before = h.conf_get()
    conf = {"a": {"b": {"c": 42}, "foo": "bar"}}
    assert h.rpc("config.load", conf).get() is None
    assert h.conf_get() == before  # cached until update=True
    assert h.conf_get(update=True) == conf
    assert (h.conf_get("a.b.c"), h.conf_get("a.baz"), h.conf_get("a.baz", default=7)) == (42, None, 7)


# -- futures in the reactor ---------------------------------------------------------------------

def test_wait_async_then_reactor_run(h):
    jobid = fj.submit(h, fj.JobspecV1.from_command(["true"]), waitable=True)
    statuses = []
    fj.wait_async(h, jobid).then(lambda f: statuses.append(f.get_status()))
    assert h.reactor_run() == 0
    assert [(s.jobid, s.success) for s in statuses] == [(jobid, True)]


def test_then_on_every_event_until_the_end(h):
    jobid = completed_job(h)
    names = []

    def callback(future):
        event = future.get_event()
        names.append(event and event.name)

    fj.event_watch_async(h, jobid).then(callback)
    assert h.reactor_run() == 0
    assert names == ["submit", "validate", "depend", "priority", "alloc", "start", "finish",
                     "release", "free", "clean", None]


def test_cancel_stop_ends_callbacks(h):
    jobid = completed_job(h)
    names = []

    def callback(future):
        names.append(future.get_event().name)
        future.cancel(stop=True)

    fj.event_watch_async(h, jobid).then(callback)
    assert h.reactor_run() == 0
    assert names == ["submit"]


def test_null_handle_is_einval():
    with pytest.raises(OSError) as err:
        fj.event_wait(None, 1234, "start")
    assert err.value.errno == errno.EINVAL


def test_timer_watcher_repeats_until_stopped(h):
    ticks = []

    def tick(handle, watcher, revents, args):
        ticks.append(args)
        if len(ticks) == 3:
            watcher.stop()

    h.timer_watcher_create(0.01, tick, repeat=0.01, args="a").start()
    assert h.reactor_run() == 0
    assert ticks == ["a", "a", "a"]


def test_reactor_stop_from_a_timer(h):
    watcher = h.timer_watcher_create(0.01, lambda handle, *_: handle.reactor_stop(), repeat=0.01)
    with watcher:
        assert h.reactor_run() == 0


def test_timers_count_simulated_time_on_a_virtual_clock():
    with fluxsim.start(nnodes=1, cores_per_node=1, clock="virtual") as inst:
        h = fluxsim.Flux(inst.uri)
        fired = []

        def tick(handle, watcher, revents, args):
            fired.append(inst.now)
            if len(fired) == 3:
                watcher.stop()

        h.timer_watcher_create(5.0, tick, repeat=2.0).start()
        assert h.reactor_run() == 0
        assert fired == [5.0, 7.0, 9.0]
