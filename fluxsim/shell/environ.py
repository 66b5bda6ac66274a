"""The environment flux's job shell gives each task.

A task starts from the jobspec environment only (``attributes.system.
environment``; the shell's own environment is not inherited), modified in
flux-core 0.88's order:

1. shell setup: unset ``FLUX_PROXY_REMOTE``; set ``FLUX_URI`` (the local
   broker, ``local://<rundir>/local-<broker rank>``), ``FLUX_KVS_NAMESPACE``
   (``job-<decimal id>``), ``FLUX_JOB_ID_PATH``, ``FLUX_JOB_SIZE`` (tasks),
   ``FLUX_JOB_NNODES`` (shells), ``FLUX_JOB_ID`` (F58); ``HOSTNAME`` is
   corrected only if the jobspec environment has it;
2. shell.init plugins: ``FLUX_JOB_TMPDIR`` (``<rundir>/jobtmp-<nodeid>-<F58>``),
   ``CUDA_VISIBLE_DEVICES`` and ``CUDA_DEVICE_ORDER=PCI_BUS_ID`` (kept if
   already set) unless ``gpu-affinity=off``, then openmpi.lua's
   ``OMPI_MCA_btl_vader_backing_directory`` unless ``mpi=none``;
   ``HWLOC_XMLFILE`` (and no ``HWLOC_COMPONENTS``) with ``hwloc.xmlfile``;
3. per task: ``FLUX_TASK_LOCAL_ID``, ``FLUX_TASK_RANK``; with PMI enabled
   (the default) ``PMI_RANK``, ``PMI_SIZE`` and, given the library path,
   ``FLUX_PMI_LIBRARY_PATH`` and its directory prepended to
   ``LD_LIBRARY_PATH``; the task's own ``CUDA_VISIBLE_DEVICES`` with
   ``gpu-affinity=per-task`` or ``map:``.

Deliberately left out: ``PMI_FD`` (fluxsim runs no PMI server, and a dangling
fd number would mislead a PMI client), ``TMPDIR`` fallback when it cannot be
created, ``env-expand`` mustache templates, pty's ``FLUX_TERMINUS_SESSION``.
``FLUX_JOB_CC`` needs nothing here: ``flux submit --cc`` puts it in the
jobspec environment.  Documented in flux-environment(7) (JOB ENVIRONMENT) and
the "Job environment variables" table of flux-run(1)/flux-submit(1).

>>> from fluxsim.shell.info import shell_info
>>> R = {"version": 1, "execution": {"R_lite": [
...     {"rank": "0-1", "children": {"core": "0-1"}}]}}
>>> info = shell_info(R, ntasks=3)
>>> env = task_environment({"PATH": "/bin"}, "ƒ2", info, 2, rundir="/run/f")
>>> env["FLUX_URI"], env["FLUX_TASK_LOCAL_ID"], env["FLUX_KVS_NAMESPACE"]
('local:///run/f/local-1', '0', 'job-1')
"""

import posixpath

from .gpubind import cuda_visible_devices, gpu_affinity_option

__all__ = [
    "f58_decode",
    "f58_encode",
    "local_uri",
    "pmi_enabled",
    "shell_environment",
    "task_environment",
]

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_F58_PREFIXES = ("ƒ", "f")


def f58_encode(jobid, ascii=False):
    """Flux's F58 jobid: ``ƒ`` (or ``f`` when ``ascii``) plus base58."""
    digits = ""
    while True:
        jobid, rem = divmod(jobid, 58)
        digits = _B58[rem] + digits
        if jobid == 0:
            break
    return ("f" if ascii else "ƒ") + digits


def f58_decode(text):
    """The integer jobid of F58 ``text`` (either prefix); ``ValueError``."""
    for prefix in _F58_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            value = 0
            for c in text[len(prefix):]:
                i = _B58.find(c)
                if i < 0:
                    raise ValueError(f"invalid F58 jobid: {text}")
                value = value * 58 + i
            return value
    raise ValueError(f"invalid F58 jobid: {text}")


def local_uri(rundir, rank):
    """The ``local-uri`` of broker ``rank`` whose rundir is ``rundir``.

    flux-core 0.88 brokers listen on ``local://<rundir>/local-<rank>`` and
    the exec service points every process it starts there via ``FLUX_URI``.
    """
    return f"local://{rundir}/local-{rank}"


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
    # itself before it formats the jobid.
    force_ascii = "FLUX_F58_FORCE_ASCII" in env
    if isinstance(jobid, int):
        return jobid, f58_encode(jobid, ascii=force_ascii)
    number = f58_decode(jobid)
    if force_ascii:
        return number, f58_encode(number, ascii=True)
    return number, jobid


def _rank_of(info, nodeid):
    for rank in info.ranks:
        if rank.nodeid == nodeid:
            return rank
    raise KeyError(nodeid)


def shell_environment(jobspec_env, jobid, info, nodeid, *, rundir, jobid_path="/"):
    """The environment the shell of ``nodeid`` sets up for all its tasks.

    ``jobid`` is the F58 string (or the integer id), ``info`` the job's
    ``ShellInfo``, ``rundir`` the broker's rundir (as for ``local_uri``) and
    ``jobid_path`` the instance's ``jobid-path`` attribute (``/`` unless the
    instance is itself a job).  Returns a new dict.
    """
    rank = _rank_of(info, nodeid)
    options = info.options
    env = {k: str(v) for k, v in jobspec_env.items()}
    number, f58 = _jobid_pair(jobid, env)

    env.pop("FLUX_PROXY_REMOTE", None)
    env["FLUX_URI"] = local_uri(rundir, rank.rank)
    env["FLUX_KVS_NAMESPACE"] = f"job-{number}"
    env["FLUX_JOB_ID_PATH"] = f"{'' if jobid_path == '/' else jobid_path}/{f58}"
    env["FLUX_JOB_SIZE"] = str(info.total_ntasks)
    env["FLUX_JOB_NNODES"] = str(info.size)
    env["FLUX_JOB_ID"] = f58
    if "HOSTNAME" in env and rank.hostname is not None:
        env["HOSTNAME"] = rank.hostname

    tmpdir = f"{rundir}/jobtmp-{rank.nodeid}-{f58}"
    env["FLUX_JOB_TMPDIR"] = tmpdir
    gpu_opt = gpu_affinity_option(options)
    if gpu_opt != "off":
        # -1 first, so a rank without GPUs cannot use the node's GPUs
        env["CUDA_VISIBLE_DEVICES"] = "-1"
        env.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")
        if gpu_opt != "per-task" and not gpu_opt.startswith("map:") and rank.gpu_ids:
            env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in rank.gpu_ids)
    if options.get("mpi") != "none":
        env["OMPI_MCA_btl_vader_backing_directory"] = tmpdir
    hwloc = options.get("hwloc")
    if isinstance(hwloc, dict) and hwloc.get("xmlfile"):
        env.setdefault("HWLOC_XMLFILE", f"{tmpdir}/hwloc.xml")
        env.pop("HWLOC_COMPONENTS", None)
    return env


def task_environment(jobspec_env, jobid, info, taskid, *, rundir, jobid_path="/",
                     pmi_library_path=None):
    """The environment of global task ``taskid`` of the job.

    Arguments as for ``shell_environment()``; ``pmi_library_path`` is the
    path of flux's ``libpmi.so`` (flux's ``pmi_library_path`` build setting),
    left out when ``None``.  Raises ``KeyError`` for an unknown task.
    """
    rank, local_id = info.task(taskid)
    env = shell_environment(
        jobspec_env, jobid, info, rank.nodeid, rundir=rundir, jobid_path=jobid_path
    )
    env["FLUX_TASK_LOCAL_ID"] = str(local_id)
    env["FLUX_TASK_RANK"] = str(taskid)
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
    return env
