"""flux.resource's resource_list, resource_status and Rv1Set.

Expected values recorded from flux-core 0.88.0 + flux-sched 0.54.0
(``flux start --test-size=2``, 2 cores a rank, Fluxion): an idle instance,
then one running job, rank 1 drained ("x").
"""

import pytest

import fluxsim.job as fj
from fluxsim.resource import ResourceStatus, Rv1Set, resource_list, resource_status
from dropin_support import broker_uri, h  # noqa: F401


def counts(rl):
    return {s: (str(rl[s]), rl[s].nnodes, rl[s].ncores, rl[s].ngpus, rl[s].state)
            for s in ("all", "up", "free", "allocated", "down")}


def test_idle_instance(h):
    assert counts(resource_list(h).get()) == {
        "all": ("rank[0-1]/core[0-1]", 2, 4, 0, "all"),
        "up": ("rank[0-1]/core[0-1]", 2, 4, 0, "up"),
        "free": ("rank[0-1]/core[0-1]", 2, 4, 0, "free"),
        "allocated": ("", 0, 0, 0, "allocated"),
        "down": ("", 0, 0, 0, "down"),
    }


@pytest.fixture
def busy(h):
    spec = fj.JobspecV1.from_command(["true"], num_tasks=1)
    spec.setattr("system.exec.test", {"run_duration": "100s"})
    # on rank 1, where Fluxion put it in the recording whatever ran before
    spec.setattr("system.constraints", {"ranks": ["1"]})
    jobid = fj.submit(h, spec)
    fj.event_wait(h, jobid, "start")
    h.rpc("resource.drain", {"targets": "1", "reason": "x"}).get()
    yield h
    fj.cancel(h, jobid)
    fj.event_wait(h, jobid, "clean", raiseJobException=False)
    h.rpc("resource.undrain", {"targets": "1"}).get()


def test_a_job_and_a_drained_rank(busy):
    rl = resource_list(busy).get()
    # Fluxion placed the job on rank 1 core 1
    assert counts(rl) == {
        "all": ("rank[0-1]/core[0-1]", 2, 4, 0, "all"),
        "up": ("rank0/core[0-1]", 1, 2, 0, "up"),
        "free": ("rank0/core[0-1]", 1, 2, 0, "free"),
        "allocated": ("rank1/core1", 1, 1, 0, "allocated"),
        "down": ("rank1/core[0-1]", 1, 2, 0, "down"),
    }
    rl.filter("0")
    assert {s: str(rl[s]) for s in ("all", "down", "allocated", "up", "free")} == {
        "all": "rank0/core[0-1]", "down": "", "allocated": "", "up": "rank0/core[0-1]",
        "free": "rank0/core[0-1]"}


def test_resource_status_of_a_draining_rank(busy):
    st = resource_status(busy).get()
    assert {k: str(st[k]) for k in ("all", "avail", "offline", "online", "exclude", "torpid",
                                    "housekeeping", "allocated", "drained", "draining")} == {
        "all": "0-1", "avail": "0", "offline": "", "online": "0-1", "exclude": "",
        "torpid": "", "housekeeping": "", "allocated": "1", "drained": "", "draining": "1"}
    assert [(str(d.ranks), d.reason, type(d.timestamp)) for d in st.drain_info] == [
        ("1", "x", float)]
    assert st.get_drain_info(1).reason == "x" and st.get_drain_info(0) is None
    with pytest.raises(ValueError, match=r"^invalid rank \{rank\}$"):
        st.get_drain_info(5)


def test_empty_resource_status():
    empty = ResourceStatus()
    assert [str(empty[k]) for k in ("all", "avail", "drained")] == ["", "", ""]


def test_rv1set(h):
    R = Rv1Set(resource_list(h).get().all.encode())
    assert [R.dumps(), str(R.ranks()), R.nnodes(), R.count("core"), R.get_expiration(),
            R.get_starttime(), R.copy_ranks("1").dumps(),
            R.diff(R.copy_ranks("0")).dumps(), R.get_properties()] == [
        "rank[0-1]/core[0-1]", "0-1", 2, 4, 0.0, 0.0, "rank1/core[0-1]", "rank1/core[0-1]",
        "{}"]
    assert [Rv1Set().dumps(), Rv1Set().nnodes()] == ["", 0]
    with pytest.raises(TypeError, match="^Rv1Set cannot be instantiated from <class 'int'>$"):
        Rv1Set(42)
