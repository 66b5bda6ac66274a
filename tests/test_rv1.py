"""R version 1 (RFC 20) reads and writes as flux-core 0.88 does.

Sources of the expected values, cited per test: flux-core's
t/python/t0039-rv1pool.py fixtures, librlist's tests
(src/common/librlist/test/rlist.c), the R that ``flux/resource/Rv1Set.py``
writes (``_build_dict``, ``encode``, ``dumps``), flux-config-resource(5), and
output of flux-core 0.88.0 itself (``flux job info ID R``, ``flux R
parse-config``).
"""

import json

import pytest

from fluxsim.resource import RankInfo, Rv1

# t0039-rv1pool.py fixtures
R_4x4 = {
    "version": 1,
    "execution": {
        "R_lite": [{"rank": "0-3", "children": {"core": "0-3"}}],
        "starttime": 0,
        "expiration": 0,
        "nodelist": ["node0", "node1", "node2", "node3"],
    },
}
R_gpu = {
    "version": 1,
    "execution": {
        "R_lite": [{"rank": "0-1", "children": {"core": "0-3", "gpu": "0-1"}}],
        "starttime": 0,
        "expiration": 0,
        "nodelist": ["gpu0", "gpu1"],
    },
}
R_props = {
    "version": 1,
    "execution": {
        "R_lite": [{"rank": "0-3", "children": {"core": "0-1"}}],
        "starttime": 0,
        "expiration": 0,
        "nodelist": ["node0", "node1", "node2", "node3"],
        "properties": {"fast": "0-1", "slow": "2-3"},
    },
}


def R_of(ranks, cores, hosts=None, properties=None, gpus=None):
    """An R like librlist's test helper R_create(ranks, cores, gpus, hosts, props)."""
    children = {"core": cores}
    if gpus:
        children["gpu"] = gpus
    execution = {"R_lite": [{"rank": ranks, "children": children}]}
    if hosts:
        execution["nodelist"] = [hosts]
    if properties:
        execution["properties"] = properties
    return {"version": 1, "execution": execution}


@pytest.mark.parametrize(
    "R, nnodes, ncores, ngpus",
    [(R_4x4, 4, 16, 0), (R_gpu, 2, 8, 4), (R_props, 4, 8, 0)],
)
def test_counts(R, nnodes, ncores, ngpus):
    # t0039 TestRv1PoolConstruct: count("core") 16 for R_4x4, 8 and 4 for R_gpu.
    rv1 = Rv1.from_dict(R)
    assert (rv1.nnodes, rv1.ncores, rv1.ngpus) == (nnodes, ncores, ngpus)


def test_loads_accepts_json_string():
    # t0039 test_from_string
    assert Rv1.loads(json.dumps(R_4x4)).ncores == 16


def test_nodelist_names_ranks_in_order():
    assert Rv1.from_dict(R_gpu).nodelist == ["gpu0", "gpu1"]


def test_rank_entries():
    rv1 = Rv1.from_dict(R_gpu)
    assert rv1.ranks[1] == RankInfo(1, "gpu1", frozenset(range(4)), frozenset({0, 1}))


def test_to_dict_of_t0039_fixture():
    # Rv1Set._build_dict: times as floats, the nodelist compressed to one
    # hostlist string, no nslots unless set.
    assert Rv1.from_dict(R_4x4).to_dict() == {
        "version": 1,
        "execution": {
            "R_lite": [{"rank": "0-3", "children": {"core": "0-3"}}],
            "starttime": 0.0,
            "expiration": 0.0,
            "nodelist": ["node[0-3]"],
        },
    }


# A job's R exactly as flux-core 0.88.0 stores it (``flux job info ID R`` for
# ``flux submit -N2 -n2 -t 1m`` on two 4-core nodes).
JOB_R = (
    '{"version": 1, "execution": {"R_lite": [{"rank": "0-1", "children": {"core": "0"}}], '
    '"starttime": 1795594551.6005995, "expiration": 1795594611.6005995, "nslots": 2, '
    '"nodelist": ["node[0-1]"]}}'
)


def test_encode_is_byte_identical_to_flux():
    assert Rv1.loads(JOB_R).encode() == JOB_R


def test_encode_of_r_from_librlist():
    # resource.R written by librlist (compact JSON, children "gpu" first), as
    # flux-core 0.88.0 wrote it for two 4-core 1-GPU nodes, re-encoded the way
    # the scheduler's Rv1Set.encode() writes it.
    librlist_R = (
        '{"version":1,"execution":{"R_lite":[{"rank":"0-1","children":{"gpu":"0","core":"0-3"}}],'
        '"starttime":0.0,"expiration":0.0,"nodelist":["node[0-1]"]}}'
    )
    assert Rv1.loads(librlist_R).encode() == (
        '{"version": 1, "execution": {"R_lite": [{"rank": "0-1", "children": '
        '{"core": "0-3", "gpu": "0"}}], "starttime": 0.0, "expiration": 0.0, '
        '"nodelist": ["node[0-1]"]}}'
    )


def test_r_lite_groups_equal_ranks_by_lowest_rank():
    # Rv1Set._build_dict groups ranks with equal children, in order of their
    # lowest rank, whether or not the ranks are consecutive.
    R = {
        "version": 1,
        "execution": {
            "R_lite": [
                {"rank": "1", "children": {"core": "0-7"}},
                {"rank": "0,2", "children": {"core": "0-3"}},
            ]
        },
    }
    assert Rv1.from_dict(R).to_dict()["execution"]["R_lite"] == [
        {"rank": "0,2", "children": {"core": "0-3"}},
        {"rank": "1", "children": {"core": "0-7"}},
    ]


def test_without_nodelist_ranks_are_named_by_rank():
    # Rv1Set: a rank without a nodelist entry is called "rank<N>", and R
    # without a nodelist is written back without one.
    rv1 = Rv1.from_dict(R_of("2-3", "0-1"))
    assert rv1.nodelist == ["rank2", "rank3"]
    assert "nodelist" not in rv1.to_dict()["execution"]


def test_properties_round_trip_sorted():
    # t0039 test_encode_includes_properties; Rv1Set writes names sorted.
    R = R_of("0-3", "0-1", "node[0-3]", {"slow": "2-3", "fast": "0-1"})
    assert list(Rv1.from_dict(R).to_dict()["execution"]["properties"].items()) == [
        ("fast", "0-1"),
        ("slow", "2-3"),
    ]


def test_scheduling_key_round_trips():
    # t0039 test_scheduling_stored
    sched = {"graph": {"nodes": [], "edges": []}}
    assert Rv1.from_dict(dict(R_4x4, scheduling=sched)).to_dict()["scheduling"] == sched


def test_no_scheduling_key_when_unset():
    # t0039 test_no_scheduling_absent_from_to_dict
    assert "scheduling" not in Rv1.from_dict(R_4x4).to_dict()


def test_nslots_round_trips():
    # t0039 test_nslots_round_trip
    assert Rv1.loads(JOB_R).to_dict()["execution"]["nslots"] == 2


def test_times_round_trip():
    # t0039 test_encode_expiration_starttime
    R = json.loads(JOB_R)
    execution = Rv1.from_dict(R).to_dict()["execution"]
    assert execution["starttime"] == 1795594551.6005995
    assert execution["expiration"] == 1795594611.6005995


@pytest.mark.parametrize(
    "R, summary",
    [
        # librlist test_dumps
        (R_of("0", "0-3", "host"), "rank0/core[0-3]"),
        (
            {
                "version": 1,
                "execution": {
                    "R_lite": [
                        {"rank": "0", "children": {"core": "0-3"}},
                        {"rank": "1", "children": {"core": "0-7"}},
                        {"rank": "1234567", "children": {"core": "0-12345"}},
                        {"rank": "1234568", "children": {"core": "0-12346"}},
                    ]
                },
            },
            "rank0/core[0-3] rank1/core[0-7] rank1234567/core[0-12345] rank1234568/core[0-12346]",
        ),
        # t2300-sched-simple.t: R from ``flux R encode -r0-1 -c0-1``
        (R_of("0-1", "0-1"), "rank[0-1]/core[0-1]"),
        # librlist test_issue_5868
        (R_of("3", "0-3", "foo3"), "rank3/core[0-3]"),
        # flux-core 0.88.0: resource_summary of ``flux submit -n1 -g1``
        (R_of("1", "0", "node1", gpus="0"), "rank1/core0,gpu0"),
    ],
)
def test_dumps_summary(R, summary):
    assert Rv1.from_dict(R).dumps() == summary


@pytest.mark.parametrize(
    "R, message",
    [
        # Rv1Set.__init__
        ({"version": 2, "execution": {}}, "R version 2 not supported"),
        ({"execution": {}}, "missing version"),
        ({"version": 1, "execution": {"R_lite": [{"children": {"core": "0"}}]}}, "without rank"),
        ({"version": 1, "execution": {"R_lite": [{"rank": "x", "children": {}}]}}, "invalid idset"),
    ],
)
def test_malformed_r_raises_value_error(R, message):
    with pytest.raises(ValueError, match=message):
        Rv1.from_dict(R)


def test_wrong_type_raises_type_error():
    # t0039 test_bad_type_raises
    with pytest.raises(TypeError):
        Rv1.from_dict(42)


# -- from_shape (fluxsim's own convenience; its hostnames are fluxsim's choice)


def test_from_shape_default_hosts():
    rv1 = Rv1.from_shape(4, 2)
    assert rv1.to_dict()["execution"]["nodelist"] == ["node[0-3]"]


@pytest.mark.parametrize("hosts", ["foo[1-2]", ["foo1", "foo2"], ["foo[1-2]"]])
def test_from_shape_hosts(hosts):
    assert Rv1.from_shape(2, 1, hosts=hosts).nodelist == ["foo1", "foo2"]


def test_from_shape_gpus():
    assert Rv1.from_shape(2, 4, gpus_per_node=1).dumps() == "rank[0-1]/core[0-3],gpu0"


@pytest.mark.parametrize(
    "args", [(0, 4), (2, 0), (2, 4, -1)], ids=["no nodes", "no cores", "negative gpus"]
)
def test_from_shape_refuses_empty_shapes(args):
    with pytest.raises(ValueError):
        Rv1.from_shape(*args)


def test_from_shape_host_count_must_match():
    with pytest.raises(ValueError, match="expected 3 host names, got 2"):
        Rv1.from_shape(3, 1, hosts="foo[1-2]")


# -- from_config: flux-config-resource(5) and librlist rlist_from_config()

DOC_EXAMPLE = {
    "resource": {
        "config": [
            {"hosts": "test[1-100]", "cores": "0-7"},
            {"hosts": "test[1,2]", "gpus": "0-1"},
            {"hosts": "test[1-89]", "properties": ["batch"]},
            {"hosts": "test[90-100]", "properties": ["debug"]},
        ]
    }
}


def test_config_doc_example():
    # flux-config-resource(5) example: hosts become ranks in order, later
    # entries add GPUs and properties to hosts already listed.  (flux R
    # parse-config gives the same R for the 10-host version of this example.)
    assert Rv1.from_config(DOC_EXAMPLE).to_dict() == {
        "version": 1,
        "execution": {
            "R_lite": [
                {"rank": "0-1", "children": {"core": "0-7", "gpu": "0-1"}},
                {"rank": "2-99", "children": {"core": "0-7"}},
            ],
            "starttime": 0.0,
            "expiration": 0.0,
            "nodelist": ["test[1-100]"],
            "properties": {"batch": "0-88", "debug": "89-99"},
        },
    }


@pytest.mark.parametrize(
    "config", [DOC_EXAMPLE, DOC_EXAMPLE["resource"], DOC_EXAMPLE["resource"]["config"]]
)
def test_config_accepts_file_table_or_array(config):
    assert Rv1.from_config(config).nnodes == 100


def test_config_ranks_follow_first_appearance():
    # rlist_config_add_entry: a host gets the next rank the first time it is seen.
    config = [{"hosts": "b,a", "cores": "0"}, {"hosts": "c,a", "cores": "1"}]
    assert Rv1.from_config(config).nodelist == ["b", "a", "c"]


@pytest.mark.parametrize(
    "config, message",
    [
        # librlist test_rlist_config_inval
        ({"resource": {"config": {}}}, "resource config must be an array"),
        ([], "no hosts configured"),
        # rlist_from_config / rlist_config_add_entry messages (jansson unpack
        # errors for missing or extra keys)
        ([{"cores": "0"}], r"config\[0\]: Object item not found: hosts"),
        (
            [{"hosts": "a", "cores": "0", "bogus": 1}],
            r"config\[0\]: 1 object item\(s\) left unpacked: bogus",
        ),
        ([{"hosts": "a", "cores": 3}], r"config\[0\]: Expected string, got integer"),
        ([{"hosts": "a", "properties": "x"}], r"config\[0\]: properties must be an array"),
        ([{"hosts": "foo[", "cores": "0"}], r"config\[0\]: invalid hostlist 'foo\['"),
        ([{"hosts": "", "cores": "0"}], r"config\[0\]: empty hostlist specified"),
        ([{"hosts": "a", "cores": "3-1"}], r"config\[0\]: invalid idset cores='3-1'"),
        ([{"hosts": "a", "gpus": "x"}], r"config\[0\]: invalid idset gpus='x'"),
        ([{"hosts": "a", "cores": "0"}, {"hosts": "b"}], "resource.config: b assigned no"),
        # flux-core 0.88.0 ``flux R parse-config`` output for these two
        (
            [{"hosts": "a", "cores": "0", "properties": ["a^b"]}],
            r'config\[0\]: invalid property ""a\^b""',
        ),
        (
            [{"hosts": "a", "cores": "0-1"}, {"hosts": "a", "cores": "1"}],
            "Unable to add rnode: File exists",
        ),
    ],
)
def test_config_errors(config, message):
    with pytest.raises(ValueError, match=message):
        Rv1.from_config(config)


def test_from_toml_file(tmp_path):
    path = tmp_path / "resource.toml"
    path.write_text(
        '[resource]\nnoverify = true\n[[resource.config]]\nhosts = "node[0-1]"\ncores = "0-3"\n'
    )
    assert Rv1.from_toml_file(path).dumps() == "rank[0-1]/core[0-3]"


def test_config_path_reads_r(tmp_path):
    # flux-config-resource(5): ``path`` names an R file, used without ``config``.
    path = tmp_path / "R.json"
    path.write_text(json.dumps(R_4x4))
    assert Rv1.from_config({"resource": {"path": str(path)}}).ncores == 16


# -- subsets


def test_copy_ranks():
    # Rv1Set.copy_ranks: properties restricted to the kept ranks.
    rv1 = Rv1.from_dict(R_props).copy_ranks("1-2")
    assert rv1.to_dict()["execution"] == {
        "R_lite": [{"rank": "1-2", "children": {"core": "0-1"}}],
        "starttime": 0.0,
        "expiration": 0.0,
        "nodelist": ["node[1-2]"],
        "properties": {"fast": "1", "slow": "2"},
    }


def test_copy_ranks_drops_nslots():
    assert "nslots" not in Rv1.loads(JOB_R).copy_ranks([0]).to_dict()["execution"]


def test_rank_idset():
    assert Rv1.from_dict(R_of("1-3,7", "0")).rank_idset() == "1-3,7"


PROPERTY_R = R_of("1-10", "0-1", "foo[1-10]", {"foo": "1-3", "bar": "7"})


@pytest.mark.parametrize(
    "constraint, summary",
    [
        # librlist test_properties ``property_tests`` (constraint, rlist_dumps)
        ({"properties": ["na"]}, ""),
        ({"properties": ["foo"]}, "rank[1-3]/core[0-1]"),
        ({"properties": ["bar"]}, "rank7/core[0-1]"),
        ({"properties": ["^bar"]}, "rank[1-6,8-10]/core[0-1]"),
        ({"hostlist": ["foo[2,3,7]"]}, "rank[2-3,7]/core[0-1]"),
        ({"not": [{"hostlist": ["foo[2,3,7]"]}]}, "rank[1,4-6,8-10]/core[0-1]"),
        ({"not": [{"ranks": ["0-4"]}]}, "rank[5-10]/core[0-1]"),
    ],
)
def test_copy_constraint(constraint, summary):
    assert Rv1.from_dict(PROPERTY_R).copy_constraint(constraint).dumps() == summary


@pytest.mark.parametrize(
    "constraint, message",
    [
        # Rv1Set._matches_constraint messages
        ({"bogus": 1}, r"unknown constraint operator\(s\): \['bogus'\]"),
        ({"properties": [1]}, "property constraint must be a string, got int"),
        ({"and": {}}, "'and' operand must be a list, got dict"),
        ({"not": []}, "'not' operand must be a non-empty list, got \\[\\]"),
    ],
)
def test_bad_constraint_raises_value_error(constraint, message):
    with pytest.raises(ValueError, match=message):
        Rv1.from_dict(PROPERTY_R).constraint_ranks(constraint)
