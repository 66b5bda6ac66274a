"""Mustache templates the job shell expands: ``{{id}}``, ``{{node.name}}`` ...

Output paths (``--output=job-{{id}}.out``) and ``env-expand`` values are
rendered by the shell before use.  A tag the shell cannot render is left as
written, braces and all, and an unclosed ``{{`` ends rendering.

Tags (flux-core 0.88 src/shell/shell.c), ``jobid`` being a synonym of ``id``:

- ``{{id}}`` the F58 jobid; ``{{id.ENC}}`` one of dec, hex, dothex, kvs,
  f58, f58plain (words and emoji are not available in fluxsim);
- ``{{name}}`` the job name, or the command's basename, or ``unknown``;
- ``{{nnodes}}``; ``{{ntasks}}`` and ``{{size}}`` the task count;
- ``{{task.id}}``/``{{task.rank}}``/``{{taskid}}`` the global task rank and
  ``{{task.index}}``/``{{task.localid}}`` the local one, when a task is given;
- ``{{node.KEY}}`` a key of the shell's rank info (``node.name``,
  ``node.id``, ``node.broker_rank``, ``node.ntasks``, ``node.taskids``,
  ``node.cores``, ``node.gpus``, ``node.ncores``);
- ``{{tmpdir}}`` the job's ``FLUX_JOB_TMPDIR``, when given.

>>> from fluxsim.shell.info import shell_info
>>> R = {"version": 1, "execution": {"R_lite": [
...     {"rank": "0-1", "children": {"core": "0-3"}}]}}
>>> info = shell_info(R, ntasks=4)
>>> render("{{id.dec}}-{{node.id}}-{{size}}-{{task.localid}}", info, 1234, nodeid=1)
'1234-1-4-{{task.localid}}'
>>> render("{{jobid}}.{{taskid}}", info, 1234, nodeid=1, taskid=3)
'ƒNH.3'
"""

import json
import posixpath

from fluxsim.job.JobID import id_encode, id_parse

__all__ = ["render"]


class _NoValue(Exception):
    """The tag cannot be rendered here; the shell leaves it as written."""


def _jobid(name, jobid):
    encoding = "f58"
    if len(name) > 2:
        if name[2] != ".":
            raise _NoValue
        encoding = name[3:]
    try:
        return id_encode(jobid, encoding)
    except (ValueError, NotImplementedError, OSError):
        raise _NoValue from None


def _job_name(info):
    js = info.jobspec
    if js is not None and js.name:
        return js.name
    command = js.command if js is not None else []
    if command and isinstance(command[0], str):
        return posixpath.basename(command[0]) or "unknown"
    return "unknown"


def _task(name, rank, taskid):
    if rank is None or taskid is None:
        raise _NoValue
    key = name[len("task."):]
    if key in ("id", "rank"):
        return str(taskid)
    if key in ("index", "localid"):
        return str(rank.taskids.index(taskid))
    raise _NoValue


def _node(name, rank):
    if rank is None:
        raise _NoValue
    key = name[len("node."):]
    if key in ("cores", "gpus", "ncores"):
        key = f"resources.{key}"
    value = rank.rank_info()
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise _NoValue
        value = value[part]
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _tag(name, info, jobid, rank, taskid, tmpdir):
    if name.startswith("jobid"):
        name = name[3:]
    elif name == "taskid":
        name = "task.id"
    if name.startswith("id"):
        return _jobid(name, jobid)
    if name == "name":
        return _job_name(info)
    if name == "nnodes":
        return str(info.size)
    if name in ("ntasks", "size"):
        return str(info.total_ntasks)
    if name.startswith("task."):
        return _task(name, rank, taskid)
    if name.startswith("node."):
        return _node(name, rank)
    if name == "tmpdir" and tmpdir is not None:
        return tmpdir
    raise _NoValue


def render(template, info, jobid, *, nodeid=0, taskid=None, tmpdir=None):
    """Expand the mustache tags of ``template`` as the shell of ``nodeid`` would.

    ``info`` is the job's ``ShellInfo``, ``jobid`` its id (int or any
    encoding), ``taskid`` the current task if any, ``tmpdir`` its
    ``FLUX_JOB_TMPDIR``.  Returns the rendered string.
    """
    jobid = id_parse(jobid) if isinstance(jobid, str) else jobid
    rank = next((r for r in info.ranks if r.nodeid == nodeid), None)
    out = []
    pos = 0
    while True:
        start = template.find("{{", pos)
        if start < 0:
            out.append(template[pos:])
            break
        out.append(template[pos:start])
        end = template.find("}}", start + 2)
        if end < 0:
            out.append(template[start:])
            break
        name = template[start + 2:end]
        try:
            out.append(_tag(name, info, jobid, rank, taskid, tmpdir))
        except _NoValue:
            out.append("{{" + name + "}}")
        pos = end + 2
    return "".join(out)
