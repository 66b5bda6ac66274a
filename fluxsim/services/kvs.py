"""kvs: ``lookup`` in the KVS, whose content in fluxsim is the job directories.

The primary namespace holds ``job.`` (one directory per job, under its
dothex id: ``job.0000.0004.b200.0000.``, see :mod:`fluxsim.services.jobdir`);
a job's guest namespace ``job-<id>`` is its ``guest.`` directory.  Keys are
RFC 11 paths; a response carries one RFC 11 tree object: ``val`` (base64
data) for a value, ``dir`` (with ``valref``/``dirref`` entries) when
FLUX_KVS_READDIR asks for a directory.  Errors are the KVS's: ENOENT,
EISDIR (a directory without READDIR), ENOTDIR (a value with it).
"""

import base64
import errno
import hashlib

from fluxsim.job.JobID import JobID
from fluxsim.services import jobdir

__all__ = ["TOPICS", "FLUX_KVS_READDIR"]

#: lookup flag: the key names a directory, return its listing
FLUX_KVS_READDIR = 1
#: the parts of a job directory's key after ``job``: a dothex id
_ID_PARTS = 4


def _blobref(text):
    return "sha1-" + hashlib.sha1(text.encode()).hexdigest()


def _val(text):
    return {"ver": 1, "type": "val", "data": base64.b64encode(text.encode()).decode()}


def _dir(entries, path):
    """A dir tree object of ``{name: is a directory}``; references name no real blob."""
    data = {}
    for name, isdir in sorted(entries.items()):
        key = f"{path}.{name}"
        data[name] = {"ver": 1, "type": "dirref" if isdir else "valref", "data": [_blobref(key)]}
    return {"ver": 1, "type": "dir", "data": data}


def _job_ids(inst, prefix):
    """The dothex parts after ``prefix`` of the jobs' directories."""
    names = set()
    for jobid in inst.jobmanager.jobs:
        parts = JobID(jobid).dothex.split(".")
        if parts[: len(prefix)] == prefix:
            names.add(parts[len(prefix)])
    return names


def _resolve(inst, parts):
    """(job, key within its directory), or a listing for a directory above the
    job directories; ENOENT if there is nothing at ``parts``."""
    if not parts:
        return None, {"job": True}
    if parts[0] != "job":
        raise OSError(errno.ENOENT, "No such file or directory")
    idparts = parts[1 : 1 + _ID_PARTS]
    if len(idparts) < _ID_PARTS:
        names = _job_ids(inst, idparts)
        if not names:
            raise OSError(errno.ENOENT, "No such file or directory")
        return None, dict.fromkeys(names, True)
    try:
        job = inst.jobmanager.jobs.get(int(JobID(".".join(idparts))))
    except ValueError:
        job = None
    if job is None:
        raise OSError(errno.ENOENT, "No such file or directory")
    return job, ".".join(parts[1 + _ID_PARTS :])


def _lookup(inst, request):
    payload = request.payload
    key = payload.get("key")
    flags = payload.get("flags", 0)
    namespace = payload.get("namespace", "primary")
    if not isinstance(key, str) or not isinstance(flags, int):
        raise OSError(errno.EPROTO, "Protocol error")
    parts = [p for p in key.split(".") if p]
    if namespace.startswith("job-"):
        # a job's guest namespace is its guest directory
        try:
            jobid = JobID(int(namespace[len("job-"):]))
        except ValueError:
            raise OSError(errno.ENOTSUP, "Operation not supported") from None
        parts = ["job", *jobid.dothex.split("."), "guest", *parts]
    elif namespace != "primary":
        raise OSError(errno.ENOTSUP, "Operation not supported")
    job, rest = _resolve(inst, parts)
    if job is None:
        entries, text = rest, None
    else:
        entries = jobdir.listing(job, rest)
        text = None if entries is not None else jobdir.value(job, rest)
        if entries is None and text is None:
            raise OSError(errno.ENOENT, "No such file or directory")
    if flags & FLUX_KVS_READDIR:
        if entries is None:
            raise OSError(errno.ENOTDIR, "Not a directory")
        return {"val": _dir(entries, ".".join(parts))}
    if entries is not None:
        raise OSError(errno.EISDIR, "Is a directory")
    return {"val": _val(text)}


TOPICS = {"kvs.lookup": _lookup}
