"""kvs and kvs-watch: lookups, commits, namespaces and watches of the KVS.

The content is :class:`~fluxsim.services.kvsstore.KVSStore`'s namespaces,
and in the primary namespace also ``job.`` (one directory per job, under
its dothex id: ``job.0000.0004.b200.0000.``, see
:mod:`fluxsim.services.jobdir`), which the job manager writes; a job's guest
namespace ``job-<id>`` is its ``guest.`` directory.  Keys are RFC 11 paths;
a response carries one RFC 11 tree object: ``val`` (base64 data) for a
value, ``symlink`` with FLUX_KVS_READLINK, ``dir`` (with ``valref``/``dirref``
entries) when FLUX_KVS_READDIR asks for a directory.  Errors are the KVS's:
ENOENT, EISDIR (a directory without READDIR), ENOTDIR (a value with it),
ENOTSUP (no such namespace), EINVAL (an empty key, a commit replacing the
root), EEXIST (a namespace twice).

A lookup with FLUX_KVS_WAITCREATE alone (``kvs-watch.lookup``) answers once
the key exists.  A watch (FLUX_KVS_WATCH) answers with the value now
(ENOENT unless FLUX_KVS_WAITCREATE), then after each commit that writes the
key, or with FLUX_KVS_WATCH_FULL each commit that changes what the key
resolves to; FLUX_KVS_WATCH_UNIQ skips a value equal to the last.  It ends
with an error when the key goes away, or ENODATA when cancelled.
"""

import errno
import hashlib
import time

from fluxsim.constants import (
    FLUX_KVS_READDIR,
    FLUX_KVS_READLINK,
    FLUX_KVS_WAITCREATE,
    FLUX_KVS_WATCH,
    FLUX_KVS_WATCH_FULL,
    FLUX_KVS_WATCH_UNIQ,
)
from fluxsim.job.JobID import JobID
from fluxsim.services import jobdir
from fluxsim.services.kvsstore import Symlink, normalize
from fluxsim.services.kvsstore import val_object as _val

__all__ = ["TOPICS", "FLUX_KVS_READDIR"]

#: the parts of a job directory's key after ``job``: a dothex id
_ID_PARTS = 4


def _blobref(text):
    return "sha1-" + hashlib.sha1(text.encode()).hexdigest()


def _symlink(link):
    data = {"target": link.target}
    if link.namespace is not None:
        data["namespace"] = link.namespace
    return {"ver": 1, "type": "symlink", "data": data}


def _dir(entries, path):
    """A dir tree object of ``{name: is a directory, or a Symlink}``; references
    name no real blob."""
    data = {}
    for name, kind in sorted(entries.items()):
        if isinstance(kind, Symlink):
            data[name] = _symlink(kind)
            continue
        key = f"{path}.{name}"
        data[name] = {"ver": 1, "type": "dirref" if kind else "valref", "data": [_blobref(key)]}
    return {"ver": 1, "type": "dir", "data": data}


def _job_ids(inst, prefix):
    """The dothex parts after ``prefix`` of the jobs' directories."""
    names = set()
    for jobid in inst.jobmanager.jobs:
        parts = JobID(jobid).dothex.split(".")
        if parts[: len(prefix)] == prefix:
            names.add(parts[len(prefix)])
    return names


def _job_entry(inst, parts):
    """What the job directories hold at ``parts`` (below ``job``): a listing
    ``{name: is a directory}``, or a value's bytes; ENOENT."""
    idparts = parts[:_ID_PARTS]
    if len(idparts) < _ID_PARTS:
        names = _job_ids(inst, idparts)
        if not names:
            raise OSError(errno.ENOENT, "No such file or directory")
        return dict.fromkeys(names, True)
    try:
        job = inst.jobmanager.jobs.get(int(JobID(".".join(idparts))))
    except ValueError:
        job = None
    if job is None:
        raise OSError(errno.ENOENT, "No such file or directory")
    rest = ".".join(parts[_ID_PARTS:])
    entries = jobdir.listing(job, rest)
    if entries is not None:
        return entries
    text = jobdir.value(job, rest)
    if text is None:
        raise OSError(errno.ENOENT, "No such file or directory")
    return text.encode()


def _listing(node):
    return {name: child if isinstance(child, Symlink) else isinstance(child, dict)
            for name, child in node.items()}


def _entry(inst, namespace, parts, readlink):
    """What ``parts`` holds in ``namespace``: a listing, bytes or a Symlink."""
    if namespace.startswith("job-"):
        # a job's guest namespace is its guest directory
        try:
            jobid = JobID(int(namespace[len("job-"):]))
        except ValueError:
            raise OSError(errno.ENOTSUP, "Operation not supported") from None
        return _job_entry(inst, [*jobid.dothex.split("."), "guest", *parts])
    store = inst.kvs
    if namespace == "primary" and parts[:1] == ["job"] and inst.jobmanager.jobs:
        return _job_entry(inst, parts[1:])
    node = store.resolve(namespace, parts, readlink)
    if isinstance(node, dict):
        listing = _listing(node)
        if namespace == "primary" and not parts and inst.jobmanager.jobs:
            listing["job"] = True
        return listing
    return node


def _tree_object(inst, namespace, key, flags):
    """The RFC 11 object a lookup of ``key`` answers with."""
    parts = normalize(key)
    entry = _entry(inst, namespace, parts, flags & FLUX_KVS_READLINK)
    if isinstance(entry, Symlink):
        return _symlink(entry)
    if flags & FLUX_KVS_READDIR:
        if not isinstance(entry, dict):
            raise OSError(errno.ENOTDIR, "Not a directory")
        return _dir(entry, ".".join(parts))
    if isinstance(entry, dict):
        raise OSError(errno.EISDIR, "Is a directory")
    return _val(entry)


def _request(payload):
    """(key, flags, namespace) of a lookup; EINVAL for an empty key."""
    key = payload["key"]
    flags = payload.get("flags", 0)
    namespace = payload.get("namespace") or "primary"
    if not isinstance(key, str) or not isinstance(flags, int) or not isinstance(namespace, str):
        raise OSError(errno.EPROTO, "Protocol error")
    if not key:
        raise OSError(errno.EINVAL, "Invalid argument")
    return key, flags, namespace


def _lookup(inst, request):
    key, flags, namespace = _request(request.payload)
    return {"val": _tree_object(inst, namespace, key, flags)}


def _commit(inst, request):
    payload = request.payload
    namespace = payload.get("namespace") or "primary"
    ops = payload["ops"]
    if not isinstance(ops, list) or not all(isinstance(op, dict) for op in ops):
        raise OSError(errno.EPROTO, "Protocol error")
    if namespace.startswith("job-"):
        raise OSError(errno.ENOTSUP, "Operation not supported")
    try:
        inst.kvs.commit(namespace, ops)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise OSError(errno.EINVAL, "Invalid argument") from None
    ns = inst.kvs.namespace(namespace)
    return {"rootref": _blobref(f"{namespace}.{ns.sequence}"), "rootseq": ns.sequence}


def _namespace_create(inst, request):
    payload = request.payload
    name, owner = payload["namespace"], payload.get("owner", inst.owner)
    if not isinstance(name, str) or not isinstance(owner, int) or not name:
        raise OSError(errno.EINVAL, "Invalid argument")
    inst.kvs.create(name, inst.owner if owner == -1 else owner)
    return {}


def _namespace_remove(inst, request):
    name = request.payload["namespace"]
    if not isinstance(name, str):
        raise OSError(errno.EPROTO, "Protocol error")
    inst.kvs.remove(name)
    return {}


def _namespace_list(inst, request):
    return {"namespaces": [{"namespace": name, "owner": ns.owner, "flags": 0}
                           for name, ns in inst.kvs.namespaces.items()]}


def _watch(inst, request):
    key, flags, namespace = _request(request.payload)
    written = ".".join(normalize(key))
    plain = flags & ~(FLUX_KVS_WAITCREATE | FLUX_KVS_WATCH_FULL | FLUX_KVS_WATCH_UNIQ)
    last = None
    try:
        last = _tree_object(inst, namespace, key, plain)
    except OSError as exc:
        if exc.errno != errno.ENOENT or not flags & FLUX_KVS_WAITCREATE:
            raise
    once = not flags & FLUX_KVS_WATCH  # FLUX_KVS_WAITCREATE alone: one answer, once it exists
    if last is not None:
        if once:
            return {"val": last}
        request.respond({"val": last})

    def watcher(name, keys):
        nonlocal last
        if name != namespace:
            return
        if keys is None:  # the namespace was removed
            request.error(errno.ENOTSUP)
            inst.kvs.watchers.remove(watcher)
            return
        if not flags & FLUX_KVS_WATCH_FULL and written not in keys:
            return
        try:
            now = _tree_object(inst, namespace, key, plain)
        except OSError as exc:
            if last is None and exc.errno == errno.ENOENT:
                return  # still waiting for the key to be created
            inst.kvs.watchers.remove(watcher)
            request.error(exc.errno, exc.strerror)
            return
        if now == last and flags & (FLUX_KVS_WATCH_UNIQ | FLUX_KVS_WATCH_FULL):
            return
        last = now
        if once:
            inst.kvs.watchers.remove(watcher)
            request.finish({"val": now})
            return
        request.respond({"val": now})

    return request.follow(inst.kvs.watchers, watcher)


def _watch_cancel(inst, request):
    # no response, as kvs-watch sends none
    return request.sender.stop_stream(request.payload.get("matchtag"), "kvs-watch.lookup")


def _checkpoint(inst, request):
    """The checkpoint of the primary namespace's current root."""
    ns = inst.kvs.namespace("primary")
    return {"value": [{"version": 1, "rootref": _blobref(f"primary.{ns.sequence}"),
                       "sequence": ns.sequence, "timestamp": time.time()}]}


TOPICS = {
    "kvs.lookup": _lookup,
    "kvs.commit": _commit,
    "kvs.namespace-create": _namespace_create,
    "kvs.namespace-remove": _namespace_remove,
    "kvs.namespace-list": _namespace_list,
    "kvs-watch.lookup": _watch,
    "kvs-watch.cancel": _watch_cancel,
    "content.checkpoint-get": _checkpoint,
    "content-backing.checkpoint-get": _checkpoint,
}
