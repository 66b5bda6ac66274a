# The KVS's rules beyond flux-core's own tests (``t0005-kvs.py``, run by
# ``tests/test_flux_core_python.py``): a commit is all or none, a value gives
# way to a directory written below it, a lookup past a value finds nothing,
# symlinks are followed (a directory's too) and a loop is ELOOP, keys are
# normalized, an empty raw value reads as None, and the namespace requests'
# errors (EEXIST, ENOTSUP; removing a missing one is no error).
#
# Recorded on a real ``flux start`` (flux-core 0.88.0) by running the same
# script with ``flux python``.
cat > kv.py <<'EOF'
import errno, flux, flux.kvs as kvs
h = flux.Flux()
def show(label, fn):
    try:
        print(label, repr(fn()))
    except OSError as e:
        print(label, "OSError", errno.errorcode.get(e.errno))
    except Exception as e:
        print(label, type(e).__name__)
# atomic commit: one bad op, nothing applied
kvs.put(h, "atom.a", 1); kvs.put(h, ".", 2)
show("bad commit", lambda: kvs.commit(h))
show("atom.a after", lambda: kvs.exists(h, "atom.a"))
# value replaced by directory
kvs.put(h, "v", 1); kvs.commit(h); kvs.put(h, "v.x", 2); kvs.commit(h)
show("v is dir", lambda: kvs.isdir(h, "v")); show("v.x", lambda: kvs.get(h, "v.x"))
# lookup through a value
kvs.put(h, "w", 1); kvs.commit(h)
show("w.y", lambda: kvs.get(h, "w.y"))
# symlinks: chain, loop, dangling, dir symlink
with kvs.KVSTxn(h) as t:
    t.mkdir("d"); t.put("d.k", "val"); t.symlink("ld", "d"); t.symlink("l1", "l2"); t.symlink("l2", "l1"); t.symlink("dang", "nowhere")
show("ld.k", lambda: kvs.get(h, "ld.k"))
show("loop", lambda: kvs.get(h, "l1"))
show("dangling", lambda: kvs.exists(h, "dang"))
show("isdir ld", lambda: kvs.isdir(h, "ld"))
# unlink missing key
kvs.put_unlink(h, "nosuchkey"); show("unlink missing", lambda: kvs.commit(h))
# key normalization
kvs.put(h, "..n1...n2.", 7); kvs.commit(h); show("normalized", lambda: kvs.get(h, "n1.n2"))
# empty value
kvs.put(h, "empty", "", raw=True); kvs.commit(h); show("empty raw", lambda: kvs.get(h, "empty"))
# namespaces
show("ns create", lambda: kvs.namespace_create(h, "nsA"))
show("ns create again", lambda: kvs.namespace_create(h, "nsA"))
show("ns get unknown", lambda: kvs.get(h, "a", namespace="nosuchns"))
show("ns commit unknown", lambda: kvs.commit(h, namespace="nosuchns") if (kvs.put(h, "x", 1) or True) else 0)
show("ns remove primary", lambda: kvs.namespace_remove(h, "primary"))
show("ns remove", lambda: kvs.namespace_remove(h, "nsA"))
show("ns remove missing", lambda: kvs.namespace_remove(h, "nsZ"))
# flux-core's broker and resource module write admin. and resource.; fluxsim has neither
show("root listing", lambda: sorted(set(kvs.get_dir(h)) - {"admin", "resource"}))
show("get dir as value", lambda: kvs.get_key_direct(h, "d"))
show("watch dir", lambda: kvs.kvs_watch_async(h, "d").get())
show("checkpoint keys", lambda: sorted(kvs.kvs_checkpoint_lookup(h)[0]))
EOF
flux python kv.py
