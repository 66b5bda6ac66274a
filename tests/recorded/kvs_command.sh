# ``flux kvs``: get, put, dir, unlink, link, readlink, mkdir and namespace.
#
# Recorded on a real ``flux start`` (flux-core 0.88.0). The program covers values as the
# command stores them (text with its NUL, ``-r`` bytes, from stdin, ``-A`` appends), ``get
# -l``, lookups of missing keys, directories and keys past a value, put's errors (no
# ``=``, an empty key, the root), ``dir`` with its truncation to 80 columns off a terminal
# (``-w``, ``-w 0``, a newline), ``-d``, ``-R``, links within and across namespaces
# (``readlink -o``/``-k``), ``unlink`` (``-R``, ``-f``, a non-empty directory), namespaces
# (list, create with ``-o``, remove, errors), watches (``-w -c``, ``-u``; each starts
# before the writes it counts: the program waits for its first value) and ``-W``, and the
# usages. The root's ``admin.`` and ``resource.`` entries, which flux-core's own modules
# write, are left out.
exec 2>&1
echo "== put/get"; flux kvs put a=1 b.c=hello 'd.e={"x": [1, 2]}' s='"quoted"'; echo rc=$?
flux kvs get a b.c d.e s; flux kvs get -l a b.c; echo rc=$?
echo "== raw"; flux kvs put -r r1=abc; flux kvs get -r r1; echo; flux kvs get r1; printf 'from stdin' | flux kvs put -r r2=-; flux kvs get r2
echo "== append"; flux kvs put -A ap=x; flux kvs put -A ap=y; flux kvs get ap; flux kvs put -r -A ra=one; flux kvs put -r -A ra=two; flux kvs get -r ra; echo
echo "== missing"; flux kvs get nosuch; echo rc=$?; flux kvs get b; echo rc=$?; flux kvs get a.x; echo rc=$?
echo "== put errors"; flux kvs put novalue; echo rc=$?; flux kvs put; echo rc=$?; flux kvs put =5; echo rc=$?; flux kvs put .=5; echo rc=$?
echo "== mkdir/dir"; flux kvs mkdir m1 m2.n; flux kvs dir m2; flux kvs dir -R m2; flux kvs put m1.k=v m1.long="$(printf 'x%.0s' $(seq 1 100))" m1.nl="$(printf 'one\ntwo')"
flux kvs dir m1; flux kvs dir -w 20 m1; flux kvs dir -w 0 m1; flux kvs dir -d m1; echo rc=$?; flux kvs dir nosuch; echo rc=$?; flux kvs dir a; echo rc=$?; flux kvs dir m1 m2; echo rc=$?
echo "== link"; flux kvs link b.c lk; flux kvs get lk; flux kvs readlink lk; flux kvs link; echo rc=$?; flux kvs readlink a; echo rc=$?; flux kvs readlink nosuch; echo rc=$?
flux kvs namespace create ns1; flux kvs put -N ns1 k=v; flux kvs link -T ns1 k lns; flux kvs readlink lns; flux kvs readlink -o lns; flux kvs readlink -k lns; flux kvs get lns
echo "== dir R"; flux kvs dir -R b; flux kvs dir .  | grep -v "^admin\|^resource" ; flux kvs dir -R -d m2
echo "== unlink"; flux kvs unlink a; flux kvs get a; echo rc=$?; flux kvs unlink m1; echo rc=$?; flux kvs unlink -R m1; flux kvs get m1.k; echo rc=$?; flux kvs unlink nosuch; echo rc=$?; flux kvs unlink -f nosuch; echo rc=$?; flux kvs unlink m2.n; echo rc=$?
echo "== namespace"; flux kvs namespace list | sed "s/ $(id -u) / UID /"; flux kvs namespace create ns1; echo rc=$?; flux kvs namespace create -o 1234 ns2; flux kvs namespace list | grep ns2; flux kvs namespace remove ns2 ns1; flux kvs namespace list | sed "s/ $(id -u) / UID /"; flux kvs get -N nosuchns a; echo rc=$?; flux kvs namespace remove primary; echo rc=$?
echo "== watch"; flux kvs put w=1; flux kvs get -w -c 3 w > w.out &
while ! test -s w.out; do sleep 0.1; done; flux kvs put w=2; flux kvs put w=2; flux kvs put w=3; wait; cat w.out
flux kvs get -w -u -c 2 w > u.out &
while ! test -s u.out; do sleep 0.1; done; flux kvs put w=3; flux kvs put w=4; wait; cat u.out
echo "== waitcreate"; flux kvs get -W wc > c.out & sleep 0.5; flux kvs put wc=9; wait; cat c.out
echo "== usage"; flux kvs 2>&1 | head -3; flux kvs nosuchcmd; echo rc=$?; flux kvs get; echo rc=$?
