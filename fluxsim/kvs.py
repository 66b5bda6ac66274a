"""``flux.kvs``, reading: ``get``, ``exists``, ``isdir``, ``get_dir``, ``KVSDir``, ``walk``.

Lookups go to the ``kvs`` service (see :mod:`fluxsim.services.kvs`), whose
content in fluxsim is the job directories::

    d = get_dir(handle, JobID(jobid).kvs)
    d["jobspec"], d["eventlog"], d["guest"]["output"]

fluxsim models no KVS writes: storing through a :class:`KVSDir` raises
ENOSYS, as a request to a service a broker lacks does.
"""

import base64
import collections.abc as abc
import errno
import json
import os

__all__ = ["KVSDir", "exists", "get", "get_dir", "get_key_direct", "isdir", "join", "walk"]

#: lookup flag: the key names a directory, return its listing
FLUX_KVS_READDIR = 1


def _lookup(flux_handle, key, namespace, flags=0):
    """The tree object at ``key`` (libkvs' checks first: a key, a handle)."""
    if not key:
        raise OSError(errno.EINVAL, "EINVAL: Invalid argument")
    if namespace is None:
        namespace = os.environ.get("FLUX_KVS_NAMESPACE", "primary")
    payload = {"key": key, "namespace": namespace, "flags": flags}
    # imported here: fluxsim.job's package imports this module (job_kvs)
    from fluxsim.job._wrapper import send

    return send(flux_handle, "kvs.lookup", payload).get()["val"]


def _decode(data):
    """A value as flux's bindings return it: JSON decoded, else str, else bytes."""
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


def get_dir(flux_handle, key=".", namespace=None):
    """The directory at ``key`` as a :class:`KVSDir`."""
    return KVSDir(flux_handle, key, namespace=namespace)


def get(flux_handle, key, namespace=None):
    """The value at ``key``, or a :class:`KVSDir` if it is a directory."""
    try:
        return get_key_direct(flux_handle, key, namespace)
    except OSError as err:
        if err.errno != errno.EISDIR:
            raise
    return get_dir(flux_handle, key, namespace)


class KVSDir(abc.MutableMapping):
    """A KVS directory: a mapping of its names to values and subdirectories.

    The listing is read once, when the object is made; items are read
    when accessed.
    """

    def __init__(self, flux_handle=None, path=".", namespace=None):
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

    def key_at(self, key):
        """The full key of ``key`` in this directory."""
        return self._path + key

    def exists(self, name):
        """True if ``name`` exists in this directory."""
        return exists(self.fhdl, self.key_at(name), namespace=self.namespace)

    def __getitem__(self, key):
        try:
            return get(self.fhdl, self.key_at(key), namespace=self.namespace)
        except OSError:
            raise KeyError(f"{key} not found under directory {self.key_at('')}") from None

    def __setitem__(self, key, value):
        raise OSError(errno.ENOSYS, "Function not implemented")

    def __delitem__(self, key):
        raise OSError(errno.ENOSYS, "Function not implemented")

    def __iter__(self):
        return iter(sorted(self._entries))

    def __len__(self):
        return len(self._entries)

    def files(self):
        """The names of the values in this directory."""
        return (k for k in self if not self._entries[k])

    def directories(self):
        """The names of the subdirectories."""
        return (k for k in self if self._entries[k])

    def list_all(self):
        """(value names, subdirectory names)."""
        return list(self.files()), list(self.directories())


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
