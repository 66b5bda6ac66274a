"""``flux kvs``: get, put, dir, unlink, link, readlink, mkdir, namespace, as flux-core 0.88's.

Values go in as ``flux_kvs_txn_put`` stores them (the text and its NUL;
``-r`` the bytes alone, ``key=-`` from stdin) and come out as text (``-r``
the bytes); ``-A`` appends.  ``get -w`` watches (``-c`` changes at most,
``-u`` changed values only, ``-f`` the whole path, ``-W`` until the key
exists).  ``dir`` prints ``key = value`` lines truncated to the window
(``-w``, ``$COLUMNS``, 80 off a terminal), ``key.`` for directories and
``key -> target`` for links.  ``unlink`` refuses a non-empty directory
without ``-R`` and a missing key without ``-f``.  Errors are
``flux-kvs: KEY: strerror``, status 1.  The other subcommands (ls, copy,
move, version, wait, getroot, sync, eventlog) and the options about RFC 11
objects and roots (``-t``, ``-a``, ``-O``, ``-b``, ``-s``, ``-S``) are refused:
fluxsim keeps no content store.
"""

import base64
import errno
import os
import sys

from fluxsim.command.common import handle
from fluxsim.command.optparse import OptparseError, parse
from fluxsim.constants import (
    FLUX_KVS_APPEND,
    FLUX_KVS_NO_MERGE,
    FLUX_KVS_READDIR,
    FLUX_KVS_READLINK,
    FLUX_KVS_SYNC,
    FLUX_KVS_WAITCREATE,
    FLUX_KVS_WATCH,
    FLUX_KVS_WATCH_FULL,
    FLUX_KVS_WATCH_UNIQ,
)
from fluxsim.services.kvsstore import val_object as _val

__all__ = ["main"]

#: subcommand -> (usage line, summary, {long: (short, takes a value, help)})
_NS = {"namespace": ("N", True, "Specify KVS namespace to use.")}
_SUBCOMMANDS = {
    "namespace": ("", "Perform KVS namespace operations", {}),
    "get": ("[-N ns] [-r|-t] [-a treeobj] [-l] [-W] [-w] [-u] [-A] [-f] [-S] [-c COUNT] key "
            "[key...]", "Get value stored under key", {
                **_NS, "raw": ("r", False, "Interpret value(s) as raw data"),
                "treeobj": ("t", False, "Show RFC 11 object"),
                "at": ("a", True, "Lookup relative to RFC 11 snapshot reference"),
                "label": ("l", False, "Print key= before value"),
                "waitcreate": ("W", False, "Wait for creation to occur on watch"),
                "watch": ("w", False, "Monitor key writes"),
                "uniq": ("u", False, "Only monitor key writes if values have changed"),
                "append": ("A", False, "Only monitor key appends"),
                "full": ("f", False, "Monitor key changes with more complete accuracy"),
                "count": ("c", True, "Display at most COUNT changes"),
                "stream": ("S", False, "Return potentially large values in multiple responses.")}),
    "put": ("[-N ns] [-O|-b|-s] [-r|-t] [-n] [-A] [-S] key=value [key=value...]",
            "Store value under key", {
                **_NS, "treeobj-root": ("O", False, "Output resulting RFC11 root containing puts"),
                "blobref": ("b", False, "Output blobref of root containing puts"),
                "sequence": ("s", False, "Output root sequence of root containing puts"),
                "raw": ("r", False, "Store value(s) as-is without adding NULL termination"),
                "treeobj": ("t", False, "Store RFC 11 object"),
                "no-merge": ("n", False, "Set the NO_MERGE flag to ensure commit is standalone"),
                "append": ("A", False, "Append value(s) to key instead of overwriting"),
                "sync": ("S", False, "Flushes content and checkpoints after completing put")}),
    "dir": ("[-N ns] [-R] [-d] [-w COLS] [-a treeobj] [key]", "Display all keys under directory", {
        **_NS, "recursive": ("R", False, "Recursively display keys under subdirectories"),
        "directory": ("d", False, "List directory entries and not values"),
        "width": ("w", True, "Set output width to COLS.  0 means no limit"),
        "at": ("a", True, "Lookup relative to RFC 11 snapshot reference")}),
    "unlink": ("[-N ns] [-O|-b|-s] [-R] [-f] key [key...]", "Remove key", {
        **_NS, "treeobj-root": ("O", False, "Output resulting RFC11 root containing unlinks"),
        "blobref": ("b", False, "Output blobref of root containing unlinks"),
        "sequence": ("s", False, "Output root sequence of root containing unlinks"),
        "recursive": ("R", False, "Remove directory contents recursively"),
        "force": ("f", False, "ignore nonexistent files")}),
    "link": ("[-N ns] [-T ns] [-O|-b|-s] target linkname", "Create a new name for target", {
        "namespace": ("N", True, "Specify link's namespace."),
        "target-namespace": ("T", True, "Specify target's namespace"),
        "treeobj-root": ("O", False, "Output resulting RFC11 root containing link"),
        "blobref": ("b", False, "Output blobref of root containing link"),
        "sequence": ("s", False, "Output root sequence of root containing link")}),
    "readlink": ("[-N ns] [-a treeobj] [ -o | -k ] key [key...]",
                 "Retrieve the key a link refers to", {
                     **_NS, "at": ("a", True, "Lookup relative to RFC 11 snapshot reference"),
                     "namespace-only": ("o", False,
                                        "Output only namespace if link points to a namespace"),
                     "key-only": ("k", False, "Output only key if link points to a namespace")}),
    "mkdir": ("[-N ns] [-O|-b|-s] key [key...]", "Create a directory", {
        **_NS, "treeobj-root": ("O", False, "Output resulting RFC11 root containing new directory"),
        "blobref": ("b", False, "Output blobref of root containing new directory"),
        "sequence": ("s", False, "Output root sequence of root containing new directory")}),
}
#: flux-core's subcommands fluxsim does not simulate, in its usage's order
_OTHERS = [("ls", "List directory"), ("copy", "Copy source key to destination key"),
           ("move", "Move source key to destination key"),
           ("version", "Display current KVS version"),
           ("wait", "Block until the KVS reaches version"), ("getroot", "Get KVS root treeobj"),
           ("sync", "sync content and checkpoint to disk"),
           ("eventlog", "Manipulate a KVS eventlog")]
#: options about RFC 11 objects and content-store roots, which fluxsim has not
_REFUSED = ("treeobj", "at", "treeobj-root", "blobref", "sequence", "stream")


class _Exit(Exception):
    """``flux-kvs: MESSAGE``, status 1."""


def _failed(key, exc):
    return _Exit(f"{key}: {exc.strerror or os.strerror(exc.errno)}")


def _usage():
    order = ["namespace", "get", "put", "dir", "ls", "unlink", "link", "readlink", "mkdir",
             "copy", "move", "version", "wait", "getroot", "sync", "eventlog"]
    words = {**{name: sub[1] for name, sub in _SUBCOMMANDS.items()}, **dict(_OTHERS)}
    sys.stderr.write("Usage: flux-kvs [OPTIONS] COMMAND ARGS\n"
                     "  -h, --help             Display this message.\n\n"
                     "Common commands from flux-kvs:\n"
                     + "".join(f"   {name:<15} {words[name]}\n" for name in order))
    return 1


def _subusage(name):
    usage, summary, table = _SUBCOMMANDS[name]
    lines = [f"Usage: flux-kvs {name} {usage}", summary,
             "  -h, --help             Display this message."]
    for long, (short, _value, text) in table.items():
        flag = f"  -{short}, --{long}" if short else f"      --{long}"
        flag += "=COUNT" if long == "count" else ""
        lines.append(f"{flag:<24} {text}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 1


# -- requests ------------------------------------------------------------------------------


def _rpc(h, topic, payload, streaming=False):
    from fluxsim import rpc

    return rpc.send(h, topic, payload, streaming=streaming)


def _lookup(h, ns, key, flags=0):
    return _rpc(h, "kvs.lookup", {"key": key, "namespace": ns, "flags": flags}).get()["val"]


def _data(treeobj):
    return base64.b64decode(treeobj["data"])


def _commit(h, ns, ops, flags=0):
    try:
        _rpc(h, "kvs.commit", {"namespace": ns, "flags": flags, "ops": ops}).get()
    except OSError as exc:
        raise _Exit(f"flux_kvs_commit: {exc.strerror}") from None


def _op(key, dirent, flags=0):
    if not key:
        raise _Exit(f"{key}: {os.strerror(errno.EINVAL)}")
    return {"key": key, "flags": flags, "dirent": dirent}


def _text(data):
    """A value as flux_kvs_lookup_get reads it: a C string."""
    return data.split(b"\0", 1)[0].decode(errors="surrogateescape")


# -- subcommands -----------------------------------------------------------------------------


def _get(h, ns, options, keys):
    raw, label = "raw" in options, "label" in options
    watch = "watch" in options
    flags = (FLUX_KVS_WATCH if watch else 0) | (FLUX_KVS_WAITCREATE if "waitcreate" in options else 0)
    if watch:
        flags |= (FLUX_KVS_WATCH_UNIQ if "uniq" in options else 0) \
            | (FLUX_KVS_WATCH_FULL if "full" in options else 0)
    count = int(options.get("count", 0) or 0)
    for key in keys:
        if flags:
            _watch(h, ns, key, flags, count, raw, label)
            continue
        try:
            data = _data(_lookup(h, ns, key))
        except OSError as exc:
            raise _failed(key, exc) from None
        _show(key, data, raw, label)


def _show(key, data, raw, label):
    out = sys.stdout
    if label:
        out.write(f"{key}=")
    if raw:
        out.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    elif data:
        out.write(_text(data) + "\n")
    out.flush()


def _watch(h, ns, key, flags, count, raw, label):
    future = _rpc(h, "kvs-watch.lookup", {"key": key, "namespace": ns, "flags": flags},
                  streaming=True)
    seen = 0
    while True:
        try:
            value = future.get()
        except OSError as exc:
            if exc.errno == errno.ENODATA:
                return
            raise _failed(key, exc) from None
        _show(key, _data(value["val"]), raw, label)
        if not flags & FLUX_KVS_WATCH:
            return  # waitcreate alone: the one value
        future.reset()
        seen += 1
        if count and seen == count:
            _rpc(h, "kvs-watch.cancel", {"matchtag": future.matchtag})


def _put(h, ns, options, words):
    if not words:
        return _subusage("put")
    ops = []
    flags = FLUX_KVS_APPEND if "append" in options else 0
    for word in words:
        key, eq, value = word.partition("=")
        if not eq:
            raise _Exit("put: you must specify a value as key=value")
        if "raw" in options:
            data = sys.stdin.buffer.read() if value == "-" else value.encode()
        else:  # a C string; appended without its NUL
            data = value.encode() + (b"" if flags else b"\0")
        ops.append(_op(key, _val(data), flags))
    commit_flags = (FLUX_KVS_NO_MERGE if "no-merge" in options else 0) \
        | (FLUX_KVS_SYNC if "sync" in options else 0)
    _commit(h, ns, ops, commit_flags)
    return 0


def _line(key, value, maxcol):
    """kv_printf: ``key = value``, cut to ``maxcol`` columns (0: whole) and at a newline."""
    text = f"{key} = {value}"
    more = False
    if maxcol > 3:
        if len(text) > maxcol - 3:
            text, more = text[: maxcol - 3], True
        head, newline, tail = text.partition("\n")
        if newline:
            text, more = head, more or bool(tail)
    print(text + ("..." if more else ""))


def _listing(h, ns, key):
    try:
        return _lookup(h, ns, key, FLUX_KVS_READDIR)["data"]
    except OSError as exc:
        raise _failed(key, exc) from None


def _dump(h, ns, path, entries, maxcol, recursive, names_only):
    for name in sorted(entries):
        obj = entries[name]
        key = name if path == "." else f"{path}.{name}"
        if obj["type"] == "symlink":
            target = obj["data"]["target"]
            where = obj["data"].get("namespace")
            print(f"{key} -> {where}::{target}" if where else f"{key} -> {target}")
        elif obj["type"] in ("dir", "dirref"):
            sub = _listing(h, ns, key) if recursive else None
            if sub:
                _dump(h, ns, key, sub, maxcol, recursive, names_only)
            else:
                print(f"{key}.")
        elif names_only:
            print(key)
        else:
            try:
                data = _data(_lookup(h, ns, key))
            except OSError as exc:
                raise _failed(key, exc) from None
            _line(key, _text(data), maxcol)


def _window(options):
    if "width" in options:
        return int(options["width"])
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except OSError:
        pass
    try:
        return max(int(os.environ["COLUMNS"]), 0)
    except (KeyError, ValueError):
        return 80


def _dir(h, ns, options, words):
    if len(words) > 1:
        raise _Exit("dir: specify zero or one directory")
    path = words[0] if words else "."
    _dump(h, ns, path, _listing(h, ns, path), _window(options), "recursive" in options,
          "directory" in options)
    return 0


def _unlink(h, ns, options, keys):
    if not keys:
        return _subusage("unlink")
    ops = []
    for key in keys:
        try:
            obj = _lookup(h, ns, key, FLUX_KVS_READLINK)
        except OSError as exc:
            if exc.errno == errno.EISDIR:
                obj = _lookup(h, ns, key, FLUX_KVS_READDIR)
            elif exc.errno == errno.ENOENT and "force" in options:
                continue
            else:
                raise _Exit(f"cannot unlink '{key}': {exc.strerror}") from None
        if obj["type"] == "dir" and obj["data"] and "recursive" not in options:
            raise _Exit(f"cannot unlink '{key}': {os.strerror(errno.ENOTEMPTY)}")
        ops.append(_op(key, None))
    _commit(h, ns, ops)
    return 0


def _link(h, ns, options, words):
    if len(words) != 2:
        return _subusage("link")
    target, name = words
    data = {"target": target}
    if "target-namespace" in options:
        data["namespace"] = options["target-namespace"]
    _commit(h, ns, [_op(name, {"ver": 1, "type": "symlink", "data": data})])
    return 0


def _readlink(h, ns, options, keys):
    if not keys:
        return _subusage("readlink")
    for key in keys:
        try:
            obj = _lookup(h, ns, key, FLUX_KVS_READLINK)
        except OSError as exc:
            if exc.errno == errno.EISDIR:
                exc = OSError(errno.EINVAL, os.strerror(errno.EINVAL))
            raise _failed(key, exc) from None
        if obj["type"] != "symlink":
            raise _Exit(f"{key}: {os.strerror(errno.EINVAL)}")
        target, where = obj["data"]["target"], obj["data"].get("namespace")
        if where and "namespace-only" in options:
            print(where)
        elif where and "key-only" not in options:
            print(f"{where}::{target}")
        else:
            print(target)
    return 0


def _mkdir(h, ns, options, keys):
    if not keys:
        return _subusage("mkdir")
    _commit(h, ns, [_op(key, {"ver": 1, "type": "dir", "data": {}}) for key in keys])
    return 0


def _namespace(h, argv):
    sub, rest = (argv[0], argv[1:]) if argv else (None, [])
    if sub == "list":
        print("NAMESPACE                                 OWNER      FLAGS")
        for ns in _rpc(h, "kvs.namespace-list", {}).get()["namespaces"]:
            print(f"{ns['namespace']:<36} {ns['owner']:>10} 0x{ns['flags']:08X}")
        return 0
    if sub == "create":
        options, names = parse("flux-kvs", {"owner": ("o", True), "rootref": ("r", True)}, rest)
        owner = int(options.get("owner", -1))
        for name in names:
            try:
                _rpc(h, "kvs.namespace-create",
                     {"namespace": name, "owner": owner, "flags": 0}).get()
            except OSError as exc:
                raise _failed(name, exc) from None
        return 0
    if sub == "remove":
        for name in rest:
            try:
                _rpc(h, "kvs.namespace-remove", {"namespace": name}).get()
            except OSError as exc:
                raise _failed(name, exc) from None
        return 0
    sys.stderr.write("Usage: flux-kvs namespace [OPTIONS] COMMAND ARGS\n")
    return 1


_RUN = {"get": _get, "put": _put, "dir": _dir, "unlink": _unlink, "link": _link,
        "readlink": _readlink, "mkdir": _mkdir}


def main(prog, argv):
    """Run ``flux kvs ...``."""
    if not argv or (argv[0] not in _SUBCOMMANDS and argv[0] not in dict(_OTHERS)):
        return _usage()
    name = argv[0]
    try:
        if name not in _SUBCOMMANDS:
            raise _Exit(f"{name} is not simulated by fluxsim (it keeps no content store)")
        if name == "namespace":
            return _namespace(handle(), argv[1:])
        table = {long: (short, value) for long, (short, value, _h) in _SUBCOMMANDS[name][2].items()}
        options, words = parse("flux-kvs", table, argv[1:])
        for option in _REFUSED:
            if option in options:
                raise _Exit(f"--{option} is not simulated by fluxsim (it keeps no content store)")
        if name == "get" and not words:
            return _subusage("get")
        h = handle()
        return _RUN[name](h, options.get("namespace") or os.environ.get(
            "FLUX_KVS_NAMESPACE", "primary"), options, words) or 0
    except (_Exit, OptparseError) as exc:
        print(f"flux-kvs: {exc}", file=sys.stderr)
        return 1
