"""JobspecV1.apply_options and from_submit/from_alloc/from_batch as in flux-core 0.88.

Expected jobspec content and error messages are recorded from flux-core
0.88.0 on the same calls (with ``env=["-*"]`` and ``rlimit=["-*"]`` where
the submitter's environment and limits would otherwise show).
"""

import textwrap
from types import SimpleNamespace

import pytest

from fluxsim.job import BatchConfig, JobspecV1

NONE = {"env": ["-*"], "rlimit": ["-*"]}


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    for name, value in (("A", "1"), ("B", "2"), ("C", "3")):
        monkeypatch.setenv(name, value)
    # no named --conf configs from the machine
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "none"))
    monkeypatch.delenv("FLUX_CLI_PLUGINPATH", raising=False)
    monkeypatch.chdir(tmp_path)


def test_env_rules(tmp_path):
    (tmp_path / "rules").write_text("-B\nFOO=${A}x\n")
    js = JobspecV1.from_submit(["a"], env=["-*", "A", "X=$A-y", "Y={{id}}", f"^{tmp_path}/rules"], rlimit=["-*"])
    assert js.environment == {"A": "1", "X": "1-y", "FOO": "1x"}
    assert js.getattr("shell.options.env-expand") == {"Y": "{{id}}"}


def test_rlimit_rules():
    js = JobspecV1.from_submit(["a"], env=["-*"], rlimit=["-*", "nofile=100", "core=unlimited", "stack=inf"])
    assert js.getattr("shell.options.rlimit") == {"nofile": 100, "core": -1, "stack": -1}


@pytest.mark.parametrize(
    "options, key, expected",
    [
        (
            {"dependency": ["afterok:f12?a=1&a=2.5&b=x", "begin-time:100", "singleton"]},
            "dependencies",
            [
                {"scheme": "afterok", "value": "f12", "a": [1, 2.5], "b": "x"},
                {"scheme": "begin-time", "value": "100"},
                {"scheme": "singleton", "value": ""},
            ],
        ),
        (
            {"requires": ["host:n[1-2] ib", "-rank:0 | gpu"]},
            "constraints",
            {
                "or": [
                    {"and": [{"hostlist": ["n[1-2]"]}, {"and": [{"properties": ["ib"]}, {"not": [{"ranks": ["0"]}]}]}]},
                    {"properties": ["gpu"]},
                ]
            },
        ),
        ({"signal": "TERM@2m"}, "shell.options.signal", {"signum": 15, "timeleft": 120.0}),
        ({"taskmap": "cyclic:2"}, "shell.options.taskmap", {"scheme": "cyclic", "value": "2"}),
    ],
)
def test_option(options, key, expected):
    assert JobspecV1.from_submit(["a"], **options, **NONE).getattr(key) == expected


def test_attributes_and_shell_options():
    js = JobspecV1.from_submit(
        ["a"],
        attributes={"x": 1, ".user.y": 2, "user.z": 3, "attributes.system.w": 4},
        shell_options={"a.b": 1},
        **NONE,
    )
    system = js.jobspec["attributes"]["system"]
    assert (system["x"], system["w"], system["shell"]["options"]["a"]) == (1, 4, {"b": 1})
    assert js.jobspec["attributes"]["user"] == {"y": 2, "z": 3}


def test_add_file():
    js = JobspecV1.from_submit(["a"], add_file=["f:0755=line\\nline2", "g=x\ny"], **NONE)
    assert js.getattr("files") == {
        "f": {"mode": 0o100755, "data": "line\nline2", "encoding": "utf-8"},
        "g": {"mode": 0o100600, "data": "x\ny", "encoding": "utf-8"},
    }


def test_command_line_namespace():
    args = SimpleNamespace(
        setopt=["a", 'b="s"', "c=[1,2]"], setattr=["k=v", ".user.u=1", "system.q=null"], time_limit=90.0, **NONE
    )
    js = JobspecV1.from_command(["x"], environment={}).apply_options(args)
    assert js.jobspec["attributes"] == {
        "system": {"duration": 90.0, "environment": {}, "shell": {"options": {"a": 1, "b": "s", "c": [1, 2]}}, "k": "v", "q": None},
        "user": {"u": 1},
    }


def test_from_alloc():
    js = JobspecV1.from_alloc(nodes=2, conf="resource.noverify=true", bg=True, broker_opts=["-v"], cwd="/w", **NONE)
    assert js.jobspec == {
        "resources": [
            {"type": "node", "count": 2, "exclusive": True,
             "with": [{"type": "slot", "count": 1, "with": [{"type": "core", "count": 1}], "label": "task"}]}
        ],
        "tasks": [
            {"command": ["flux", "broker", "-v", "-Sbroker.rc2_none=1", "-c{{tmpdir}}/conf.json"],
             "slot": "task", "count": {"per_slot": 1}}
        ],
        "attributes": {"system": {
            "duration": 0, "environment": {}, "cwd": "/w",
            "shell": {"options": {"per-resource": {"type": "node"}, "mpi": "none", "exit-timeout": "none",
                                  "pty": {"capture": 1}}},
            "files": {"conf.json": {"mode": 0o100600, "data": {"resource": {"noverify": True}}}},
        }},
        "version": 1,
    }  # fmt: skip


def test_from_alloc_command_is_flux_alloc_command():
    # fluxsim's addition; the expected values are flux-core 0.88.0's
    # `flux alloc --dry-run -n1 --bg hostname` (an initial program: no rc2_none)
    js = JobspecV1.from_alloc(nslots=1, command=["hostname"], bg=True, cwd="/w", **NONE)
    assert js.tasks[0]["command"] == ["flux", "broker", "hostname"]
    assert js.getattr("shell.options")["pty"] == {"capture": 1}


def test_from_batch():
    js = JobspecV1.from_batch(content="echo hi\n", wrap=True, nodes=3, cwd="/w", output="o", **NONE)
    system = js.jobspec["attributes"]["system"]
    assert js.jobspec["resources"][0]["count"] == 3 and js.jobspec["resources"][0]["exclusive"]
    assert js.jobspec["tasks"][0]["command"] == ["flux", "broker", "{{tmpdir}}/script"]
    assert system["job"] == {"name": "batch"}
    assert system["shell"]["options"]["output"] == {"stdout": {"type": "file", "path": "o"}}
    assert system["files"] == {"script": {"mode": 0o100700, "data": "#!/bin/sh\necho hi\n", "encoding": "utf-8"}}


def test_from_batch_conf_from_batchconfig():
    js = JobspecV1.from_batch(content="#!/bin/sh\n", cwd="/w", conf=BatchConfig().update("[a]\nb = 1\n"), **NONE)
    assert js.getattr("files")["conf.json"] == {"mode": 0o100600, "data": {"a": {"b": 1}}}


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: JobspecV1.from_submit(["a"], requires=["a|"], **NONE), ValueError, "--requires='a|': Unexpected end of input in 'a|'"),
        (lambda: JobspecV1.from_submit(["a"], signal="BOGUS", **NONE), ValueError, "--signal=BOGUS: signal 'BOGUS' is invalid"),
        (lambda: JobspecV1.from_submit(["a"], signal="0@1", **NONE), ValueError, "--signal=0@1: signal must be > 0"),
        (lambda: JobspecV1.from_submit(["a"], env=["X=$NOPE"], rlimit=["-*"]), ValueError, "--env: Variable 'NOPE' not found in X=$NOPE"),
        (lambda: JobspecV1.from_submit(["a"], env=["X=$"], rlimit=["-*"]), ValueError, "--env: Unable to substitute X=$"),
        (lambda: JobspecV1.from_submit(["a"], env=["^/nonexistent"], rlimit=["-*"]), ValueError,
         "--env: [Errno 2] No such file or directory: '/nonexistent'"),
        (lambda: JobspecV1.from_submit(["a"], env=["-*"], rlimit=["bogus=1"]), ValueError, 'Invalid rlimit "bogus"'),
        (lambda: JobspecV1.from_submit(["a"], env=["-*"], rlimit=["nofile=x"]), ValueError, "Invalid value in nofile=x"),
        (lambda: JobspecV1.from_submit(["a"], env=["-*"], rlimit=["nosuch"]), ValueError, 'No corresponding rlimit matching "nosuch"'),
        (lambda: JobspecV1.from_submit(["a"], dependency=":x", **NONE), ValueError, 'Invalid dependency URI ":x"'),
        (lambda: JobspecV1.from_submit(["a"], bogus=1, **NONE), TypeError,
         "apply_options() got unexpected keyword argument(s): 'bogus'"),
        (lambda: JobspecV1.from_command(["x"]).apply_options(time_limit="bad"), ValueError, "invalid Flux standard duration"),
        (lambda: BatchConfig().update("a = [\n"), ValueError, "--conf: failed to parse multiline as TOML or JSON"),
        (lambda: BatchConfig().update("/nonexistent.json"), ValueError,
         "--conf: [Errno 2] No such file or directory: '/nonexistent.json'"),
        (lambda: BatchConfig().update("nosuchname"), ValueError, "--conf: named config 'nosuchname' not found"),
        (lambda: JobspecV1.from_submit(["a"], add_file=["/nonexistent"], **NONE), ValueError,
         "--add-file=/nonexistent: [Errno 2] No such file or directory: '/nonexistent'"),
        (lambda: JobspecV1.from_alloc(), ValueError, "from_alloc() requires nslots or nodes"),
        (lambda: JobspecV1.from_batch(content="echo\n"), ValueError, "batch does not appear to start with '#!'"),
    ],
)  # fmt: skip
def test_errors(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


# (flux's plugins import flux.cli.plugin: the same module under the drop-in's name)
PLUGIN = textwrap.dedent("""\
    from fluxsim.command.plugin import CLIPlugin

    class Site(CLIPlugin):
        def __init__(self, prog, prefix="site"):
            super().__init__(prog, prefix=prefix)
            self.add_option("--gpu-mode", default="SPX")

        def modify_jobspec(self, args, jobspec):
            jobspec.setattr_shell_option("gpumode", args.gpu_mode)
""")


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    (tmp_path / "site.py").write_text(PLUGIN)
    monkeypatch.setenv("FLUX_CLI_PLUGINPATH", str(tmp_path))


def test_plugin_option_by_prefixed_dest(plugin):
    # flux-cli plugins: --gpu-mode of prefix "site" is --site-gpu-mode, dest site_gpu_mode
    js = JobspecV1.from_submit(["a"], site_gpu_mode="TPX", **NONE)
    assert js.getattr("shell.options.gpumode") == "TPX"


def test_plugin_option_default(plugin):
    assert JobspecV1.from_submit(["a"], **NONE).getattr("shell.options.gpumode") == "SPX"


def test_plugin_options_need_prog(plugin):
    with pytest.raises(TypeError, match="'site_gpu_mode'"):
        JobspecV1.from_command(["a"]).apply_options(site_gpu_mode="TPX")
