"""The environment flux's job shell gives each task.

A task starts from the jobspec environment only (``attributes.system.
environment``; the shell's own environment is not inherited), modified in
flux-core 0.88's order:

1. shell setup: unset ``FLUX_PROXY_REMOTE``; set ``FLUX_URI`` (the local
   broker: ``<uri>/local-<broker rank>``, flux's ``local://<rundir>/local-N``),
   ``FLUX_KVS_NAMESPACE`` (``job-<decimal id>``), ``FLUX_JOB_ID_PATH``,
   ``FLUX_JOB_SIZE`` (tasks), ``FLUX_JOB_NNODES`` (shells), ``FLUX_JOB_ID``
   (F58); ``HOSTNAME`` is corrected only if the jobspec environment has it
   (to the node name in R here; flux uses the shell's gethostname());
2. shell.init plugins: ``FLUX_JOB_TMPDIR`` (``<rundir>/jobtmp-<nodeid>-<F58>``),
   ``CUDA_VISIBLE_DEVICES`` and ``CUDA_DEVICE_ORDER=PCI_BUS_ID`` (kept if
   already set) unless ``gpu-affinity=off``, ``FLUX_TERMINUS_SESSION=0``
   (the shell's terminus server), ``env-expand`` templates that need no
   task, openmpi.lua's ``OMPI_MCA_btl_vader_backing_directory`` unless
   ``mpi=none``; with ``hwloc.xmlfile``, ``HWLOC_XMLFILE`` (kept if set)
   and no ``HWLOC_COMPONENTS``;
3. per task: ``FLUX_TASK_LOCAL_ID``, ``FLUX_TASK_RANK``; with PMI enabled
   (the default) ``PMI_RANK``, ``PMI_SIZE`` and, given the library path,
   ``FLUX_PMI_LIBRARY_PATH`` and its directory prepended to
   ``LD_LIBRARY_PATH``; the task's own ``CUDA_VISIBLE_DEVICES`` with
   ``gpu-affinity=per-task`` or ``map:``; the remaining ``env-expand``
   templates.

Left out on purpose: ``PMI_FD`` (fluxsim runs no PMI server, and a dangling
fd number would mislead a PMI client), the ``TMPDIR`` fallback when it cannot
be created, the per-task ``FLUX_TERMINUS_SESSION`` of ``-o pty`` tasks.
``FLUX_JOB_CC`` needs nothing here: ``flux submit --cc`` puts it in the
jobspec environment.  The shell
creates ``FLUX_JOB_TMPDIR`` (mode 0700) and removes it after the job; here
that is up to the caller (see ``job_tmpdir``).

Documented in flux-environment(7) (JOB ENVIRONMENT) and the job environment
table of flux-run(1)/flux-submit(1); checked against a real flux-core 0.88
(``flux run --env=-* ... env``): the same variables and values, but PMI_FD.

>>> from fluxsim.shell.info import shell_info
>>> R = {"version": 1, "execution": {"R_lite": [
...     {"rank": "0-1", "children": {"core": "0-1"}}]}}
>>> info = shell_info(R, ntasks=3)
>>> env = task_environment({"PATH": "/bin"}, "ƒ2", info, 2, rundir="/run/f")
>>> env["FLUX_URI"], env["FLUX_TASK_LOCAL_ID"], env["FLUX_KVS_NAMESPACE"]
('local:///run/f/local-1', '0', 'job-1')
"""

import posixpath

from fluxsim.job.JobID import id_encode, id_parse

from .gpubind import cuda_visible_devices, gpu_affinity_option
from .mustache import render

__all__ = [
    "job_tmpdir",
    "local_uri",
    "pmi_enabled",
    "shell_environment",
    "task_environment",
]


def local_uri(uri, rank):
    """``FLUX_URI`` of a task on broker ``rank`` of the instance at ``uri``.

    flux-core 0.88 brokers listen on ``local://<rundir>/local-<rank>`` and
    the exec service points every process it starts there, so ``uri`` is
    ``local://<rundir>`` for real Flux, or the base uri of a fluxsim instance.
    """
    return f"{uri}/local-{rank}"


def job_tmpdir(rundir, nodeid, jobid_f58):
    """``FLUX_JOB_TMPDIR`` of shell ``nodeid``: ``<rundir>/jobtmp-<nodeid>-<F58>``."""
    return f"{rundir}/jobtmp-{nodeid}-{jobid_f58}"


def pmi_enabled(options):
    """True unless the ``pmi`` option lists none of simple, pmi1, pmi2."""
    opt = (options or {}).get("pmi")
    if opt is None:
        return True
    if not isinstance(opt, str):
        raise ValueError("pmi shell option must be a string")
    return bool({"simple", "pmi1", "pmi2"} & set(opt.split(",")))


def _jobid_pair(jobid, env):
    # The shell exports FLUX_F58_FORCE_ASCII from the job environment to
    # itself before it formats the jobid; a given F58 string is kept as is.
    number = id_parse(jobid) if isinstance(jobid, str) else jobid
    if "FLUX_F58_FORCE_ASCII" in env:
        return number, id_encode(number, "f58plain")
    if isinstance(jobid, str) and jobid.lstrip()[:1] in ("ƒ", "f"):
        return number, jobid.strip()
    return number, id_encode(number, "f58")


def _rank_of(info, nodeid):
    for rank in info.ranks:
        if rank.nodeid == nodeid:
            return rank
    raise KeyError(nodeid)


def _env_expand(options):
    templates = options.get("env-expand")
    if not isinstance(templates, dict):
        return {}
    return {k: v for k, v in templates.items() if isinstance(v, str)}


def shell_environment(jobspec_env, jobid, info, nodeid, *, rundir, uri=None,
                      jobid_path="/"):
    """The environment the shell of ``nodeid`` sets up for all its tasks.

    ``jobid`` is the F58 string (or the integer id), ``info`` the job's
    ``ShellInfo``, ``rundir`` the broker's rundir (for ``FLUX_JOB_TMPDIR``),
    ``uri`` the instance uri ``FLUX_URI`` is built on (default
    ``local://<rundir>``) and ``jobid_path`` the instance's ``jobid-path``
    attribute (``/`` unless the instance is itself a job).  Returns a new dict.
    """
    rank = _rank_of(info, nodeid)
    options = info.options
    env = {k: str(v) for k, v in jobspec_env.items()}
    number, f58 = _jobid_pair(jobid, env)

    env.pop("FLUX_PROXY_REMOTE", None)
    env["FLUX_URI"] = local_uri(uri if uri is not None else f"local://{rundir}", rank.rank)
    env["FLUX_KVS_NAMESPACE"] = f"job-{number}"
    env["FLUX_JOB_ID_PATH"] = f"{'' if jobid_path == '/' else jobid_path}/{f58}"
    env["FLUX_JOB_SIZE"] = str(info.total_ntasks)
    env["FLUX_JOB_NNODES"] = str(info.size)
    env["FLUX_JOB_ID"] = f58
    if "HOSTNAME" in env and rank.hostname is not None:
        env["HOSTNAME"] = rank.hostname

    # shell.init, in the order flux loads its builtin plugins
    tmpdir = job_tmpdir(rundir, rank.nodeid, f58)
    env["FLUX_JOB_TMPDIR"] = tmpdir
    gpu_opt = gpu_affinity_option(options)
    if gpu_opt != "off":
        # -1 first, so a rank without GPUs cannot use the node's GPUs
        env["CUDA_VISIBLE_DEVICES"] = "-1"
        env.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")
        if gpu_opt != "per-task" and not gpu_opt.startswith("map:") and rank.gpu_ids:
            env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in rank.gpu_ids)
    # every shell starts a terminus (pty) server, pty option or not
    env["FLUX_TERMINUS_SESSION"] = "0"
    for key, template in _env_expand(options).items():
        value = render(template, info, number, nodeid=rank.nodeid, tmpdir=tmpdir)
        if "{{" not in value:
            env[key] = value
    # then the lua.d plugins (openmpi.lua), then shell.post-init (hwloc)
    if options.get("mpi") != "none":
        env["OMPI_MCA_btl_vader_backing_directory"] = tmpdir
    hwloc = options.get("hwloc")
    if isinstance(hwloc, dict) and hwloc.get("xmlfile"):
        env.setdefault("HWLOC_XMLFILE", f"{tmpdir}/hwloc.xml")
        env.pop("HWLOC_COMPONENTS", None)
    return env


def task_environment(jobspec_env, jobid, info, taskid, *, rundir, uri=None,
                     jobid_path="/", pmi_library_path=None):
    """The environment of global task ``taskid`` of the job.

    Arguments as for ``shell_environment()``; ``pmi_library_path`` is the
    path of flux's ``libpmi.so`` (flux's ``pmi_library_path`` build setting),
    left out when ``None``.  Raises ``KeyError`` for an unknown task.
    """
    rank, local_id = info.task(taskid)
    env = shell_environment(
        jobspec_env, jobid, info, rank.nodeid, rundir=rundir, uri=uri,
        jobid_path=jobid_path,
    )
    env["FLUX_TASK_LOCAL_ID"] = str(local_id)
    env["FLUX_TASK_RANK"] = str(taskid)
    # task.init, in builtin plugin order: pmi, gpu-affinity, env-expand
    if pmi_enabled(info.options):
        env["PMI_RANK"] = str(taskid)
        env["PMI_SIZE"] = str(info.total_ntasks)
        if pmi_library_path is not None:
            libdir = posixpath.dirname(pmi_library_path)
            old = env.get("LD_LIBRARY_PATH")
            env["LD_LIBRARY_PATH"] = f"{libdir}:{old}" if old is not None else libdir
            env["FLUX_PMI_LIBRARY_PATH"] = pmi_library_path
    visible = cuda_visible_devices(rank, info.options)
    if visible is not None:
        env["CUDA_VISIBLE_DEVICES"] = visible[local_id]
    tmpdir = env["FLUX_JOB_TMPDIR"]
    for key, template in _env_expand(info.options).items():
        first = render(template, info, jobid, nodeid=rank.nodeid, tmpdir=tmpdir)
        if "{{" in first:
            env[key] = render(
                template, info, jobid, nodeid=rank.nodeid, taskid=taskid, tmpdir=tmpdir
            )
    return env
