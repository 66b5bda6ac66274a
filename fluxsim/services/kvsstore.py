"""The KVS's content: namespaces of RFC 11 trees, changed by commits, watched by keys.

A namespace holds a tree of directories (dicts), values (bytes) and
symlinks (:class:`Symlink`).  A commit applies its operations (RFC 11 tree
objects: ``val``, ``dir``, ``symlink``, or null to unlink) all or none, in
order, and bumps the namespace's sequence; then its watchers look again.
Keys are normalized as libkvs does (empty components dropped); a key of no
component is the root, which no operation may replace (EINVAL).  An
intermediate component that is no directory is replaced by one, as the KVS
does.  Lookups follow symlinks (also across namespaces), ELOOP past a depth.
"""

import base64
import errno
import os
from dataclasses import dataclass

__all__ = ["KVSStore", "Namespace", "Symlink", "normalize", "val_object"]

#: symlinks followed in one lookup before ELOOP (libkvs' SYMLINK_CYCLE_LIMIT)
SYMLINK_LIMIT = 10


@dataclass(frozen=True)
class Symlink:
    """A symlink entry: its target key, in ``namespace`` (None: the link's own)."""

    target: str
    namespace: str = None


def normalize(key):
    """The key's components (``"a..b."`` is ``a.b``); none for the root."""
    return [part for part in key.split(".") if part]


def val_object(data):
    """The RFC 11 ``val`` tree object of ``data`` (bytes)."""
    return {"ver": 1, "type": "val", "data": base64.b64encode(data).decode()}


def _error(number):
    return OSError(number, os.strerror(number))


class Namespace:
    """One namespace: its owner, its root directory and its commit sequence."""

    def __init__(self, owner):
        self.owner = owner
        self.root = {}
        self.sequence = 0


def _entry(dirent):
    """The tree entry an RFC 11 tree object (or null) stands for; None unlinks."""
    if dirent is None:
        return None
    kind = dirent.get("type")
    if kind == "val":
        return base64.b64decode(dirent["data"])
    if kind == "dir":
        if dirent.get("data"):
            raise _error(errno.EINVAL)  # a commit makes empty directories only
        return {}
    if kind == "symlink":
        data = dirent["data"]
        return Symlink(data["target"], data.get("namespace"))
    raise _error(errno.EINVAL)


class KVSStore:
    """Every namespace of an instance; ``primary`` always exists."""

    def __init__(self, owner):
        self.namespaces = {"primary": Namespace(owner)}
        #: callbacks ``(namespace name, keys written)`` run after each commit
        self.watchers = []

    def namespace(self, name):
        """The namespace ``name``; ENOTSUP if there is none (the KVS's answer)."""
        ns = self.namespaces.get(name)
        if ns is None:
            raise _error(errno.ENOTSUP)
        return ns

    def create(self, name, owner):
        if name in self.namespaces:
            raise _error(errno.EEXIST)
        self.namespaces[name] = Namespace(owner)

    def remove(self, name):
        """Remove namespace ``name`` (none: nothing to do); not ``primary``."""
        if name == "primary":
            raise _error(errno.ENOTSUP)
        if self.namespaces.pop(name, None) is not None:
            self._notify(name, None)

    # -- lookup ---------------------------------------------------------------------------

    def resolve(self, name, parts, readlink=False, depth=0):
        """The entry at ``parts`` in namespace ``name``: a dict, bytes or (with
        ``readlink``, for the last component) a Symlink.  ENOENT (also past a
        value), ELOOP."""
        node = self.namespace(name).root
        for i, part in enumerate(parts):
            if not isinstance(node, dict):
                raise _error(errno.ENOENT)
            node = node.get(part)
            if node is None:
                raise _error(errno.ENOENT)
            if isinstance(node, Symlink) and not (readlink and i == len(parts) - 1):
                if depth >= SYMLINK_LIMIT:
                    raise _error(errno.ELOOP)
                node = self.resolve(node.namespace or name, normalize(node.target),
                                    depth=depth + 1)
        return node

    # -- commit ---------------------------------------------------------------------------

    def commit(self, name, ops):
        """Apply ``ops`` ([{key, flags, dirent}]) to namespace ``name``, all or none."""
        ns = self.namespace(name)
        changes = []
        for op in ops:
            parts = normalize(op["key"])
            if not parts:
                raise _error(errno.EINVAL)  # the root cannot be replaced
            changes.append((parts, _entry(op["dirent"]), op.get("flags", 0)))
        root = _copy_path(ns.root, [parts for parts, _e, _f in changes])
        for parts, entry, flags in changes:
            _apply(root, parts, entry, flags)
        ns.root = root
        ns.sequence += 1
        self._notify(name, [".".join(parts) for parts, _e, _f in changes])

    def _notify(self, name, keys):
        for watcher in list(self.watchers):
            watcher(name, keys)


def _copy_path(root, paths):
    """A root sharing all but the directories along ``paths`` (copied), so
    that a failed commit leaves the namespace as it was."""
    root = dict(root)
    for parts in paths:
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            child = dict(child) if isinstance(child, dict) else {}
            node[part] = child
            node = child
    return root


#: op flag: append to a value (flux_kvs_txn_put with FLUX_KVS_APPEND)
_APPEND = 32


def _apply(root, parts, entry, flags):
    node = root
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    last = parts[-1]
    if entry is None:
        node.pop(last, None)
    elif flags & _APPEND and isinstance(entry, bytes):
        old = node.get(last)
        if isinstance(old, dict):
            raise _error(errno.EISDIR)
        node[last] = (old if isinstance(old, bytes) else b"") + entry
    else:
        node[last] = entry
