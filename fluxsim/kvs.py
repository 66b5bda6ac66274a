"""``flux.kvs``: read, write, watch the KVS, as flux-core 0.88's bindings.

Reading: ``get``, ``exists``, ``isdir``, ``get_dir``, ``KVSDir``, ``walk``.
Writing is staged in a transaction, then committed: the handle's own
(``put``, ``put_mkdir``, ``put_unlink``, ``put_symlink``, then ``commit``),
a :class:`KVSTxn`, or a :class:`KVSDir`'s (shared by the directories read
through it).  Namespaces: ``namespace_create``, ``namespace_remove``,
``namespace_list``; the default namespace is ``$FLUX_KVS_NAMESPACE`` or
``primary``.  ``kvs_watch_async`` streams a key's values as it changes.
The service side is :mod:`fluxsim.services.kvs`; the primary namespace
also holds the job directories::

    d = get_dir(handle, JobID(jobid).kvs)
    d["jobspec"], d["eventlog"], d["guest"]["output"]
"""

import base64
import collections.abc as abc
import errno
import json
import os

from fluxsim.constants import (
    FLUX_KVS_READDIR,
    FLUX_KVS_WAITCREATE,
    FLUX_KVS_WATCH,
    FLUX_KVS_WATCH_FULL,
    FLUX_KVS_WATCH_UNIQ,
)
from fluxsim.future import Future, invalid_argument
from fluxsim.services.kvsstore import val_object as _val

__all__ = [
    "KVSDir",
    "KVSTxn",
    "KVSWatchFuture",
    "commit",
    "commit_async",
    "exists",
    "get",
    "get_dir",
    "get_key_direct",
    "isdir",
    "join",
    "kvs_checkpoint_lookup",
    "kvs_watch_async",
    "namespace_create",
    "namespace_list",
    "namespace_remove",
    "put",
    "put_mkdir",
    "put_symlink",
    "put_unlink",
    "walk",
]


def _send(flux_handle, topic, payload, future=None):
    # imported here: fluxsim.job's package imports this module (job_kvs)
    from fluxsim import rpc

    if flux_handle is None:
        raise invalid_argument()
    return rpc.send(flux_handle, topic, payload, future)


def _namespace(namespace):
    if namespace is None:
        namespace = os.environ.get("FLUX_KVS_NAMESPACE", "primary")
    return namespace


def _lookup(flux_handle, key, namespace, flags=0):
    """The tree object at ``key`` (libkvs' checks first: a key, a handle)."""
    if not key:
        raise invalid_argument()
    payload = {"key": key, "namespace": _namespace(namespace), "flags": flags}
    return _send(flux_handle, "kvs.lookup", payload).get()["val"]


def _decode(data):
    """A value as flux's bindings return it: JSON decoded, else str, else bytes;
    read as a C string (to its first NUL), None if empty, as libkvs hands it."""
    data = data.split(b"\0", 1)[0]
    if not data:
        return None
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        return data
    except ValueError:
        return data.decode()


def get_key_direct(flux_handle, key, namespace=None):
    """The value at ``key`` (EISDIR if it is a directory)."""
    return _decode(base64.b64decode(_lookup(flux_handle, key, namespace)["data"]))


def _probe(flux_handle, key, namespace):
    """True for a directory, False for a value, None for nothing at ``key``."""
    try:
        get_key_direct(flux_handle, key, namespace)
    except OSError as err:
        if err.errno == errno.ENOENT:
            return None
        if err.errno == errno.EISDIR:
            return True
        raise
    return False


def exists(flux_handle, key, namespace=None):
    """True if ``key`` is a value or a directory."""
    return _probe(flux_handle, key, namespace) is not None


def isdir(flux_handle, key, namespace=None):
    """True if ``key`` is a directory."""
    return _probe(flux_handle, key, namespace) is True


def get_dir(flux_handle, key=".", namespace=None, _kvstxn=None):
    """The directory at ``key`` as a :class:`KVSDir`."""
    return KVSDir(flux_handle, key, namespace=namespace, _kvstxn=_kvstxn)


def get(flux_handle, key, namespace=None, _kvstxn=None):
    """The value at ``key``, or a :class:`KVSDir` if it is a directory."""
    try:
        return get_key_direct(flux_handle, key, namespace)
    except OSError as err:
        if err.errno != errno.EISDIR:
            raise
    return get_dir(flux_handle, key, namespace=namespace, _kvstxn=_kvstxn)


# -- transactions ----------------------------------------------------------------------


class _Ops(list):
    """A libkvs transaction: its operations (``{key, flags, dirent}``), in order."""

    def add(self, key, dirent):
        if not key:
            raise invalid_argument()
        self.append({"key": key, "flags": 0, "dirent": dirent})


def _ops(flux_handle, kvstxn):
    """The transaction to stage in: ``kvstxn``'s, or the handle's own."""
    if kvstxn is None:
        if getattr(flux_handle, "aux_txn", None) is None:
            flux_handle.aux_txn = _Ops()
        return flux_handle.aux_txn
    return kvstxn.txn if isinstance(kvstxn, KVSTxn) else kvstxn


def put(flux_handle, key, value, _kvstxn=None, raw=False):
    """Stage ``key`` = ``value`` (JSON, or with ``raw`` its bytes or UTF-8 text)."""
    ops = _ops(flux_handle, _kvstxn)
    if raw:
        if not isinstance(value, bytes):
            value = value.encode("utf-8")
        ops.add(key, _val(value))
        return
    try:
        text = json.dumps(value)
    except TypeError:
        if not isinstance(value, bytes):
            raise TypeError from None
        ops.add(key, _val(value))
        return
    ops.add(key, _val(text.encode() + b"\0"))  # flux_kvs_txn_put: a C string


def put_mkdir(flux_handle, key, _kvstxn=None):
    """Stage an empty directory at ``key``."""
    _ops(flux_handle, _kvstxn).add(key, {"ver": 1, "type": "dir", "data": {}})


def put_unlink(flux_handle, key, _kvstxn=None):
    """Stage the removal of ``key``."""
    _ops(flux_handle, _kvstxn).add(key, None)


def put_symlink(flux_handle, key, target, _kvstxn=None):
    """Stage a symlink at ``key`` to ``target``."""
    if not target:
        raise invalid_argument()
    _ops(flux_handle, _kvstxn).add(key, {"ver": 1, "type": "symlink", "data": {"target": target}})


def _commit(flux_handle, flags, namespace, ops):
    return _send(flux_handle, "kvs.commit",
                 {"namespace": _namespace(namespace), "flags": flags, "ops": list(ops)})


def commit(flux_handle, flags: int = 0, namespace=None, _kvstxn=None):
    """Commit the staged changes (the handle's own, or ``_kvstxn``'s)."""
    if _kvstxn is None:
        ops = getattr(flux_handle, "aux_txn", None)
        if ops is None:
            return  # nothing staged
        try:
            _commit(flux_handle, flags, namespace, ops).get()
        finally:
            flux_handle.aux_txn = None
        return
    _commit(flux_handle, flags, namespace, _ops(flux_handle, _kvstxn)).get()


def commit_async(flux_handle, flags: int = 0, namespace=None, _kvstxn=None):
    """:func:`commit`, returning the commit's Future."""
    if _kvstxn is None:
        ops = _ops(flux_handle, None)
        flux_handle.aux_txn = None
        return _commit(flux_handle, flags, namespace, ops)
    return _commit(flux_handle, flags, namespace, _ops(flux_handle, _kvstxn))


class KVSTxn:
    """A transaction of its own, relative to ``path``: stage, then ``commit``
    (a context manager commits on exit)."""

    def __init__(self, flux_handle=None, path=".", namespace=None):
        self.fhdl = flux_handle
        self.path = path
        self._path = "" if not path or path == "." else path if path[-1] == "." else path + "."
        self.namespace = namespace
        self.txn = _Ops()

    def commit(self, flags=0):
        """Commit what is staged (no request if nothing is)."""
        if not self.txn:
            return
        try:
            commit(self.fhdl, flags=flags, namespace=self.namespace, _kvstxn=self.txn)
        finally:
            self.clear()

    def commit_async(self, flags=0):
        """:meth:`commit`, returning the commit's Future."""
        future = commit_async(self.fhdl, flags=flags, namespace=self.namespace,
                              _kvstxn=_Ops(self.txn))
        self.clear()
        return future

    def put(self, key, value, raw=False):
        put(self.fhdl, self._path + key, value, _kvstxn=self.txn, raw=raw)

    def mkdir(self, key):
        put_mkdir(self.fhdl, self._path + key, _kvstxn=self.txn)

    def unlink(self, key):
        put_unlink(self.fhdl, self._path + key, _kvstxn=self.txn)

    def symlink(self, key, target):
        put_symlink(self.fhdl, self._path + key, target, _kvstxn=self.txn)

    def clear(self):
        self.txn.clear()

    def __enter__(self):
        return self

    def __exit__(self, type_arg, value, tb):
        self.commit()
        return False


# -- namespaces and checkpoints ----------------------------------------------------------


def namespace_create(flux_handle, namespace, owner=os.getuid(), flags: int = 0):
    """Create the KVS namespace ``namespace`` (EEXIST if it exists)."""
    _send(flux_handle, "kvs.namespace-create",
          {"namespace": namespace, "owner": owner, "flags": flags}).get()


def namespace_remove(flux_handle, namespace):
    """Remove the KVS namespace ``namespace``."""
    _send(flux_handle, "kvs.namespace-remove", {"namespace": namespace}).get()


def namespace_list(flux_handle):
    """The names of the KVS namespaces."""
    response = _send(flux_handle, "kvs.namespace-list", {}).get()
    return [ns["namespace"] for ns in response["namespaces"]]


def kvs_checkpoint_lookup(flux_handle, cache_bypass=False):
    """The KVS checkpoints (a list of ``{version, rootref, sequence, timestamp}``)."""
    topic = "content-backing.checkpoint-get" if cache_bypass else "content.checkpoint-get"
    value = _send(flux_handle, topic, {}).get()["value"]
    return [value] if isinstance(value, dict) else value


# -- directories ------------------------------------------------------------------------


class KVSDir(abc.MutableMapping):
    """A KVS directory: a mapping of its names to values and subdirectories.

    The listing is read once, when the object is made; items are read when
    accessed.  Writes are staged in the directory's transaction, which the
    subdirectories read through it share, until :meth:`commit` (a context
    manager commits on exit).
    """

    def __init__(self, flux_handle=None, path=".", handle=None, namespace=None, _kvstxn=None):
        if flux_handle is None:
            raise ValueError("flux_handle must be a valid Flux object")
        self.fhdl = flux_handle
        self.path = path
        self._path = "" if not path or path == "." else path if path.endswith(".") else path + "."
        self.namespace = namespace
        try:
            listing = _lookup(flux_handle, path, namespace, FLUX_KVS_READDIR)
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, "ENOENT: No such file or directory") from None
        self._entries = {
            name: obj["type"] in ("dir", "dirref") for name, obj in listing["data"].items()
        }
        self.kvstxn = _kvstxn if _kvstxn else KVSTxn(flux_handle, ".", namespace=namespace)

    def commit(self, flags=0):
        """Commit what this directory (and those read through it) staged."""
        try:
            self.kvstxn.commit(flags=flags)
        finally:
            self.kvstxn.clear()

    def commit_async(self, flags=0):
        """:meth:`commit`, returning the commit's Future."""
        return self.kvstxn.commit_async(flags=flags)

    def key_at(self, key):
        """The full key of ``key`` in this directory."""
        return self._path + key

    def exists(self, name):
        """True if ``name`` exists in this directory."""
        return exists(self.fhdl, self.key_at(name), namespace=self.namespace)

    def __getitem__(self, key):
        try:
            return get(self.fhdl, self.key_at(key), namespace=self.namespace,
                       _kvstxn=self.kvstxn)
        except OSError:
            raise KeyError(f"{key} not found under directory {self.key_at('')}") from None

    def __setitem__(self, key, value):
        self.kvstxn.put(self._path + key, value)

    def __delitem__(self, key):
        self.kvstxn.unlink(self._path + key)

    def __iter__(self):
        return iter(sorted(self._entries))

    def __len__(self):
        return len(self._entries)

    def fill(self, contents):
        """Stage every ``key: value`` of ``contents`` here, then commit."""
        if contents is None:
            raise ValueError("contents must be non-None")
        try:
            for key, value in contents.items():
                self[key] = value
        finally:
            self.commit()

    def mkdir(self, key, contents=None):
        """Make the directory ``key`` (committed), then fill it with ``contents``."""
        self.kvstxn.mkdir(self._path + key)
        self.commit()
        if contents is not None:
            KVSDir(self.fhdl, key, namespace=self.namespace).fill(contents)

    def files(self):
        """The names of the values in this directory."""
        return (k for k in self if not self._entries[k])

    def directories(self):
        """The names of the subdirectories."""
        return (k for k in self if self._entries[k])

    def list_all(self):
        """(value names, subdirectory names)."""
        return list(self.files()), list(self.directories())

    def __enter__(self):
        return self

    def __exit__(self, type_arg, value, tb):
        self.commit()
        return False


def join(*args):
    """Join key components with ``.`` (for use with :func:`walk`)."""
    return ".".join(a for a in args if a)


def _inner_walk(kvsdir, curr_dir, topdown, namespace):
    if topdown:
        yield (curr_dir, kvsdir.directories(), kvsdir.files())
    for directory in kvsdir.directories():
        sub = get_dir(kvsdir.fhdl, kvsdir.key_at(directory), namespace=namespace)
        yield from _inner_walk(sub, join(curr_dir, directory), topdown, namespace)
    if not topdown:
        yield (curr_dir, kvsdir.directories(), kvsdir.files())


def walk(directory, topdown=False, flux_handle=None, namespace=None):
    """Walk a directory (a key or a :class:`KVSDir`) as ``os.walk`` does."""
    if not isinstance(directory, KVSDir):
        if flux_handle is None:
            raise ValueError("If directory is a key, flux_handle must be specified")
        directory = KVSDir(flux_handle, directory, namespace=namespace)
    return _inner_walk(directory, "", topdown, namespace)


# -- watches ------------------------------------------------------------------------------


class KVSWatchFuture(Future):
    """The stream of a key's values from :func:`kvs_watch_async`."""

    def __init__(self, flux_handle):
        super().__init__(flux_handle, streaming=True)
        self.needs_cancel = True

    def get(self, autoreset=True):
        """The next value, or None once the stream has ended (after a cancel)."""
        try:
            value = self._take(autoreset=autoreset)
        except OSError as exc:
            if exc.errno == errno.ENODATA:
                self.needs_cancel = False
                return None
            raise
        return _decode(base64.b64decode(value["val"]["data"]))

    def cancel(self, stop=False):
        """End the watch (the stream ends with None); ``stop``: no more callbacks."""
        _send(self._handle, "kvs-watch.cancel", {"matchtag": self.matchtag})
        self.needs_cancel = False
        if stop:
            self.stop()


def kvs_watch_async(flux_handle, key, namespace=None, waitcreate=False, uniq=False, full=False):
    """Watch ``key``: a :class:`KVSWatchFuture` of its value now (or, with
    ``waitcreate``, once it exists) and after each change."""
    if not key:
        raise invalid_argument()
    flags = FLUX_KVS_WATCH
    if waitcreate:
        flags |= FLUX_KVS_WAITCREATE
    if uniq:
        flags |= FLUX_KVS_WATCH_UNIQ
    if full:
        flags |= FLUX_KVS_WATCH_FULL
    payload = {"key": key, "namespace": _namespace(namespace), "flags": flags}
    return _send(flux_handle, "kvs-watch.lookup", payload, KVSWatchFuture(flux_handle))
