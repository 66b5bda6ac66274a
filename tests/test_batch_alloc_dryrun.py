"""``flux batch`` and ``flux alloc``: the jobspec ``--dry-run`` prints, and the errors.

Every expected value here was recorded on a real ``flux start --test-size=2``
(flux-core 0.88.0) with ``[queues.batch]`` and ``[queues.debug]`` configured,
in a directory holding ``script.sh`` (``#!/bin/sh`` then ``echo hi``),
``noshebang.sh`` (``echo no shebang``) and the scripts with RFC 36
directives of ``DIRECTIVES``.  Recorded jobspecs leave out what is
the host's: the rlimits, the environment (kept where the case builds it
with ``--env=-*``), and the working directory, written ``$CWD``.  The cases
run in ``fluxsim start`` and, where real Flux's ``flux`` is found
(``fluxexec_support.real_flux_command``), in a real ``flux start`` too.
"""

import json
import subprocess

import pytest

from dropin_support import STARTS

SCRIPT = "#!/bin/sh\necho hi\n"
NOSHEBANG = "echo no shebang\n"
QUEUES = "[queues.batch]\n[queues.debug]\n"
#: scripts with RFC 36 directives, by file name
DIRECTIVES = {
    "d-basic.sh": "#!/bin/sh\n#FLUX: -N2\n#FLUX: --job-name=foo -t 10m   # a comment\n\n"
                  "# an ordinary comment\n#FLUX: -q batch\necho hi\n",
    "d-append.sh": "#!/bin/sh\n#FLUX: --env=-*\n#FLUX: --env=A=1 -o verbose\n"
                   "#FLUX: --setattr=user.note=\"a b\"\n#FLUX: -S user.q='a \"b\"' -n2\necho hi\n",
    "d-multi.sh": '#!/bin/sh\n# flux: -n1\n# flux: --setattr=user.conf="""\n# flux: [x]\n'
                  '# flux:   y = 1\n# flux: """\n# flux: -S user.inline="""a "b" c"""\necho hi\n',
    "d-multi2.sh": '#!/bin/sh\n#FLUX: -S user.x="""\n#FLUX: one\n#FLUX: """\n#FLUX: -S user.y=\'\'\'\n'
                   '#FLUX:    two "x" inner\n#FLUX:    three\n#FLUX: \'\'\'\n#FLUX: -n1\necho\n',
    "d-noop.sh": "#!/bin/sh\n#FLUX: # -N4\n#FLUX:\n#FLUX: -n2\necho hi\n",
    "d-indent.py": "#!/usr/bin/env python3\n  # flux: -n3 -c2\nprint(1)\n",
    "d-case.sh": "#!/bin/sh\n#FLUX: -N2\n#flux: -q batch\necho hi\n",
    "d-unknown.sh": "#!/bin/sh\n#FLUX: -n1\n#FLUX: foo\necho hi\n",
    "d-orphan.sh": "#!/bin/sh\n#FLUX: -n1\necho hi\n#FLUX: -N2\n",
    "d-unterminated.sh": '#!/bin/sh\n#FLUX: -S user.x="""\n#FLUX: a\necho hi\n',
    "d-unclosed.sh": '#!/bin/sh\n#FLUX: -S user.x="""a b""" c"""\necho\n',
    "d-shlex.sh": '#!/bin/sh\n#FLUX: -S "user.x=a b\necho hi\n',
    "d-badarg.sh": "#!/bin/sh\n#FLUX: -n1\n#FLUX: -N x\necho hi\n",
}

# What every batch job (and, without ``output``, every alloc job) has.
NEST = {"per-resource": {"type": "node"}, "mpi": "none", "exit-timeout": "none"}
OUT = {"output": {"stdout": {"type": "file", "path": "flux-{{id}}.out"}}}
FILES = {"script": {"mode": 0o100700, "data": SCRIPT, "encoding": "utf-8"}}
BROKER = ["flux", "broker"]
PER_SLOT = {"per_slot": 1}


def slots(count, cores=1, gpus=None):
    """A ``slot`` vertex of ``count`` slots."""
    holds = [{"type": "core", "count": cores}] + ([{"type": "gpu", "count": gpus}] if gpus else [])
    return {"type": "slot", "count": count, "with": holds, "label": "task"}


def nodes(count, slot, exclusive=True):
    """A ``node`` vertex holding ``slot``."""
    return {"type": "node", "count": count, **({"exclusive": True} if exclusive else {}), "with": [slot]}


def spec(resources, command, system, count=PER_SLOT, user=None):
    """A recorded jobspec (``system`` without the host's parts)."""
    attributes = {"system": system, **({"user": user} if user else {})}
    return {"resources": resources, "tasks": [{"command": command, "slot": "task", "count": count}],
            "attributes": attributes, "version": 1}


def batch(resources, *, args=(), name="script.sh", options=OUT, files=FILES, broker=(), count=PER_SLOT,
          duration=0, cwd="$CWD", after=None, user=None):
    """A recorded ``flux batch`` jobspec: ``after`` are system attributes past the shell options."""
    system = {"duration": duration, "cwd": cwd, "job": {"name": name},
              "shell": {"options": {**options, **NEST}}}
    system.update(after or {})
    system["files"] = files
    return spec(resources, [*BROKER, *broker, "{{tmpdir}}/script", *args], system, count, user)


def alloc(resources, *, command=(), options=None, duration=0, before=None, after=None):
    """A recorded ``flux alloc`` jobspec: ``before`` are system attributes before the shell options."""
    system = {"duration": duration, "cwd": "$CWD", **(before or {}),
              "shell": {"options": {**NEST, **(options or {})}}, **(after or {})}
    return spec(resources, [*BROKER, *command], system)


def script_files(text):
    """The ``files`` attribute of a batch job whose script is ``text``."""
    return {"script": {**FILES["script"], "data": text}}


def directives(resources, script, name=None, **kwargs):
    """A recorded ``flux batch`` jobspec of ``script``, a file of ``DIRECTIVES``
    (the job's name is the script's unless given)."""
    return batch(resources, name=name or script, files=script_files(DIRECTIVES[script]), **kwargs)


def sentinel_changed(script, line, old, new, rest):
    """flux batch's error for a directive whose sentinel is not the first one's."""
    return error(f"flux-batch: ERROR: {script}: line {line}: sentinel changed from '{old}' to '{new}'",
                 "", "All directives in a file must use the same sentinel.", "",
                 "If you're trying to disable this directive, place a comment",
                 "character AFTER the sentinel, not in the prefix:", "", f"  {old} # {rest}", "",
                 "The '#' character comments out the rest of the line, making",
                 "this directive a no-op while maintaining the same sentinel.", "rc=1")


def error(*lines):
    """A recorded failure: stderr lines, then the exit status as ``rc=N``."""
    return list(lines)


USAGE_BATCH = "usage: flux batch [OPTIONS...] [SCRIPT] [ARGS...]"
USAGE_ALLOC = "usage: flux alloc [OPTIONS...] [COMMAND] [ARGS...]"

# (id, the words after "flux", recorded outcome)
CASES = [
    ("batch-N", "batch --dry-run -N2 script.sh a b",
     batch([nodes(2, slots(1))], args=["a", "b"])),
    ("batch-n-c", "batch --dry-run -n4 -c2 script.sh", batch([slots(4, cores=2)])),
    ("batch-g", "batch --dry-run -n2 -g1 script.sh", batch([slots(2, gpus=1)])),
    ("batch-exclusive", "batch --dry-run -N1 -n2 --exclusive script.sh",
     batch([nodes(1, slots(2))])),
    ("batch-uneven", "batch --dry-run -n3 -N2 script.sh",
     batch([nodes(2, slots(2), exclusive=False)], count={"total": 3})),
    ("batch-t-minutes", "batch --dry-run -n1 -t 1.5 script.sh", batch([slots(1)], duration=90.0)),
    ("batch-t-fsd", "batch --dry-run -n1 -t 1h script.sh", batch([slots(1)], duration=3600.0)),
    ("batch-name-queue-bank", "batch --dry-run -n1 --job-name=foo -q batch -B mybank script.sh",
     batch([slots(1)], name="foo", after={"queue": "batch", "bank": "mybank"})),
    ("batch-wrap", "batch --dry-run --wrap -n1 echo 'a b' 'c$d'",
     batch([slots(1)], args=["a b", "c$d"], name="echo",
           files={"script": {**FILES["script"], "data": "#!/bin/sh\necho a b c$d\n"}})),
    ("batch-wrap-stdin", "batch --dry-run --wrap -n1 < noshebang.sh",
     batch([slots(1)], name="batch",
           files={"script": {**FILES["script"], "data": "#!/bin/sh\necho no shebang\n"}})),
    ("batch-stdin", "batch --dry-run -n1 < script.sh", batch([slots(1)], name="batch")),
    ("batch-dashdash", "batch --dry-run -n1 -- script.sh a",
     batch([slots(1)], args=["script.sh", "a"], name="--")),
    ("batch-broker-opts-conf",
     "batch --dry-run -n1 --broker-opts=-v --broker-opts=-Sa=1,-Sb=2 --conf=x.y=true --conf=z=1"
     " --dump=d.tgz script.sh",
     batch([slots(1)], broker=["-v", "-Sa=1", "-Sb=2", "-Scontent.dump=d.tgz", "-c{{tmpdir}}/conf.json"],
           files={"conf.json": {"mode": 0o100600, "data": {"x": {"y": True}, "z": 1}}, **FILES})),
    ("batch-io", "batch --dry-run -n1 --output=o --error=e --input=i -l -u script.sh",
     batch([slots(1)], options={
         "input": {"stdin": {"type": "file", "path": "i"}, "batch-timeout": 0.0},
         "output": {"stdout": {"type": "file", "path": "o", "label": True, "buffer": {"type": "none"}},
                    "stderr": {"type": "file", "path": "e", "label": True, "buffer": {"type": "none"}},
                    "batch-timeout": 0.05}})),
    ("batch-setopt-setattr-cwd", "batch --dry-run -n1 -o verbose -S foo=bar -S user.x=1 --cwd=/tmp script.sh",
     batch([slots(1)], cwd="/tmp", options={**OUT, **NEST, "verbose": 1}, after={"foo": "bar"},
           user={"x": 1})),
    ("batch-env", "batch --dry-run -n1 --env=-* --env=A=1 --env=B=2 --env-remove=B script.sh",
     spec([slots(1)], [*BROKER, "{{tmpdir}}/script"],
          {"duration": 0, "environment": {"A": "1"}, "cwd": "$CWD", "job": {"name": "script.sh"},
           "shell": {"options": {**OUT, **NEST}}, "files": FILES})),
    ("alloc-n-c", "alloc --dry-run -n4 -c2", alloc([slots(4, cores=2)])),
    ("alloc-N", "alloc --dry-run -N2", alloc([nodes(2, slots(1))])),
    ("alloc-command", "alloc --dry-run -n1 hostname -x", alloc([slots(1)], command=["hostname", "-x"])),
    ("alloc-bg", "alloc --dry-run -n1 --bg",
     alloc([slots(1)], command=["-Sbroker.rc2_none=1"], options={"pty": {"capture": 1}})),
    ("alloc-bg-command", "alloc --dry-run -n1 --bg hostname",
     alloc([slots(1)], command=["hostname"], options={"pty": {"capture": 1}})),
    ("alloc-options",
     "alloc --dry-run -n1 --job-name=nm -q debug -t 2 --conf=a.b=1 --broker-opts=-v --output=x",
     alloc([slots(1)], command=["-v", "-c{{tmpdir}}/conf.json"], duration=120.0,
           before={"job": {"name": "nm"}, "queue": "debug"},
           after={"files": {"conf.json": {"mode": 0o100600, "data": {"a": {"b": 1}}}}})),
    ("alloc-gpus-exclusive", "alloc --dry-run -n1 -g2 -N1 --exclusive",
     alloc([nodes(1, slots(1, gpus=2))])),
    # RFC 36 directives: applied in order, the command line over them
    ("directives", "batch --dry-run d-basic.sh",
     directives([nodes(2, slots(1))], "d-basic.sh", "foo", duration=600.0, after={"queue": "batch"})),
    ("directives-command-line-wins", "batch --dry-run -N1 --job-name=bar -q debug d-basic.sh x",
     directives([nodes(1, slots(1))], "d-basic.sh", "bar", args=["x"], duration=600.0,
                after={"queue": "debug"})),
    ("directives-lists-append", "batch --dry-run --env=B=2 -o mpi=none -S user.note=cli d-append.sh",
     spec([slots(2)], [*BROKER, "{{tmpdir}}/script"],
          {"duration": 0, "environment": {"A": "1", "B": "2"}, "cwd": "$CWD",
           "job": {"name": "d-append.sh"}, "shell": {"options": {**OUT, **NEST, "verbose": 1}},
           "files": script_files(DIRECTIVES["d-append.sh"])},
          user={"note": "cli", "q": 'a "b"'})),
    ("directives-triple-quotes", "batch --dry-run d-multi.sh",
     directives([slots(1)], "d-multi.sh", user={"conf": "[x]\n  y = 1\n", "inline": 'a "b" c'})),
    ("directives-triple-quotes-indent", "batch --dry-run d-multi2.sh",
     directives([slots(1)], "d-multi2.sh", user={"x": "one\n", "y": '   two "x" inner\n   three\n'})),
    ("directives-noop", "batch --dry-run d-noop.sh", directives([slots(2)], "d-noop.sh")),
    ("directives-indented-sentinel", "batch --dry-run d-indent.py",
     directives([slots(3, cores=2)], "d-indent.py")),
    ("directives-stdin", "batch --dry-run < d-basic.sh",
     directives([nodes(2, slots(1))], "d-basic.sh", "foo", duration=600.0, after={"queue": "batch"})),
    ("directives-wrap-stdin", "batch --dry-run --wrap < d-basic.sh",
     batch([nodes(2, slots(1))], name="foo", duration=600.0, after={"queue": "batch"},
           files=script_files("#!/bin/sh\n" + DIRECTIVES["d-basic.sh"]))),
    ("directives-not-in-wrapped-words", "batch --dry-run --wrap -n1 cat d-basic.sh",
     batch([slots(1)], args=["d-basic.sh"], name="cat",
           files=script_files("#!/bin/sh\ncat d-basic.sh\n"))),
    ("batch-wrap-dashdash", "batch --dry-run --wrap -n1 -- echo hi",
     batch([slots(1)], args=["hi"], name="echo", files=script_files("#!/bin/sh\necho hi\n"))),
    ("directives-sentinel-case", "batch --dry-run d-case.sh",
     sentinel_changed("d-case.sh", 3, "#FLUX:", "#flux:", "-q batch")),
    ("directives-unknown", "batch --dry-run d-unknown.sh",
     error("flux-batch: ERROR: d-unknown.sh: line 3: Unknown directive:  foo", "rc=1")),
    ("directives-orphan", "batch --dry-run d-orphan.sh",
     error("flux-batch: ERROR: d-orphan.sh: line 4: orphan 'FLUX:' detected:"
           " directives disabled after line 2", "rc=1")),
    ("directives-unterminated", "batch --dry-run d-unterminated.sh",
     error("flux-batch: ERROR: d-unterminated.sh: line 4: unterminated multi-line quote at line 2:"
           " `-S user.x=\"\"\"'", "rc=1")),
    ("directives-unclosed", "batch --dry-run d-unclosed.sh",
     error('flux-batch: ERROR: d-unclosed.sh: line 2: unclosed triple quote: -S user.x="""a b""" c"""',
           "rc=1")),
    ("directives-shell-quote", "batch --dry-run d-shlex.sh",
     error('flux-batch: ERROR: d-shlex.sh: line 2:  -S "user.x=a b: No closing quotation', "rc=1")),
    ("directives-bad-option", "batch --dry-run d-badarg.sh",
     error("flux-batch: ERROR: argument parsing failed at d-badarg.sh line 3", USAGE_BATCH,
           "flux batch: error: argument -N/--nodes: invalid int value: 'x'", "rc=2")),
    # bad input
    ("batch-no-slots", "batch --dry-run script.sh",
     error("flux-batch: ERROR: Number of slots to allocate must be specified", "rc=1")),
    ("batch-zero-slots", "batch --dry-run -n0 script.sh",
     error("flux-batch: ERROR: Number of slots to allocate must be specified", "rc=1")),
    ("alloc-no-slots", "alloc --dry-run",
     error("flux-alloc: ERROR: Number of slots to allocate must be specified", "rc=1")),
    ("batch-no-shebang", "batch --dry-run -n1 noshebang.sh",
     error("flux-batch: ERROR: noshebang.sh does not appear to start with '#!'", "rc=1")),
    ("batch-no-shebang-named", "batch --dry-run -n1 --job-name=nm noshebang.sh",
     error("flux-batch: ERROR: nm does not appear to start with '#!'", "rc=1")),
    ("batch-empty-stdin", "batch --dry-run -n1 < /dev/null",
     error("flux-batch: ERROR: batch does not appear to start with '#!'", "rc=1")),
    ("batch-missing-script", "batch --dry-run -n1 nonexistent.sh",
     error("flux-batch: ERROR: No such file or directory: 'nonexistent.sh'", "rc=1")),
    ("batch-exclusive-no-nodes", "batch --dry-run -n2 --exclusive script.sh",
     error("flux-batch: ERROR: exclusive can only be set with a node count", "rc=1")),
    ("alloc-exclusive-no-nodes", "alloc --dry-run -n1 -x",
     error("flux-alloc: ERROR: exclusive can only be set with a node count", "rc=1")),
    ("batch-bad-duration", "batch --dry-run -n1 -t bogus script.sh",
     error("flux-batch: ERROR: invalid Flux standard duration", "rc=1")),
    ("batch-zero-cores", "batch --dry-run -n1 -c0 script.sh",
     error("flux-batch: ERROR: cores per task must be an integer >= 1", "rc=1")),
    ("batch-zero-nodes", "batch --dry-run -n1 -N0 script.sh",
     error("flux-batch: ERROR: node count must be an integer >= 1 (if set)", "rc=1")),
    ("batch-more-nodes", "batch --dry-run -n2 -N3 script.sh",
     error("flux-batch: ERROR: node count must not be greater than task count", "rc=1")),
    ("batch-bad-int", "batch --dry-run -nx script.sh",
     error(USAGE_BATCH, "flux batch: error: argument -n/--nslots: invalid int value: 'x'", "rc=2")),
    ("batch-named-conf", "batch --dry-run -n1 --conf=bogus script.sh",
     error("flux-batch: ERROR: --conf: named config 'bogus' not found", "rc=1")),
    ("batch-no-bg", "batch --dry-run -n1 --bg script.sh",
     error(USAGE_BATCH, "flux batch: error: unrecognized arguments: --bg", "rc=2")),
    ("alloc-no-wait-event", "alloc --dry-run -n1 --wait-event=start",
     error(USAGE_ALLOC, "flux alloc: error: unrecognized arguments: --wait-event=start", "rc=2")),
    ("batch-bad-queue", "batch -n1 -q nope script.sh",
     error("flux-batch: ERROR: Invalid queue 'nope' specified", "rc=1")),
    ("alloc-bad-queue", "alloc -n1 -q nope",
     error("flux-alloc: ERROR: Invalid queue 'nope' specified", "rc=1")),
]


def _normalized(jobspec, cwd):
    """``jobspec`` without the host's parts (see the module docstring)."""
    system = jobspec["attributes"]["system"]
    if "PATH" in system.get("environment", {}):
        del system["environment"]
    system.get("shell", {}).get("options", {}).pop("rlimit", None)
    if system.get("cwd") == cwd:
        system["cwd"] = "$CWD"
    return jobspec


def _outcomes(text, cwd):
    """Each case's outcome in the output of the program :func:`run_cases` runs."""
    outcomes = []
    for line in text.splitlines():
        if line == "===":
            outcomes.append([])
        elif line.startswith("{"):
            outcomes[-1] = _normalized(json.loads(line), cwd)
        elif not (line == "rc=0" and isinstance(outcomes[-1], dict)):
            outcomes[-1].append(line)
    return outcomes


def run_cases(start, directory):
    """Run every case under ``start`` (a ``flux start`` command) in ``directory``;
    their outcomes, as the cases record them."""
    (directory / "script.sh").write_text(SCRIPT)
    (directory / "noshebang.sh").write_text(NOSHEBANG)
    for name, text in DIRECTIVES.items():
        (directory / name).write_text(text)
    (directory / "conf").mkdir()
    (directory / "conf" / "queues.toml").write_text(QUEUES)
    # each case's stdin is empty unless the case redirects it
    program = "".join(f"echo ===; flux {words} 2>&1{'' if '<' in words else ' </dev/null'}; echo rc=$?\n"
                      for _, words, _ in CASES)
    proc = subprocess.run(
        [*start, "--test-size=2", "-c", str(directory / "conf"), "sh", "-c", program],
        capture_output=True, text=True, timeout=300, cwd=directory)
    assert proc.returncode == 0, proc.stderr
    return _outcomes(proc.stdout, str(directory))


@pytest.fixture(scope="module", params=STARTS)
def outcomes(request, tmp_path_factory):
    """Every case's outcome under one ``start`` command."""
    return run_cases(request.param, tmp_path_factory.mktemp("dryrun"))


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case[0] for case in CASES])
def test_batch_and_alloc_as_flux_core(outcomes, index):
    _, words, expected = CASES[index]
    assert len(outcomes) == len(CASES)
    assert outcomes[index] == expected, f"flux {words}"
