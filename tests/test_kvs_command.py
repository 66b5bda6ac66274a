"""``flux kvs``: get, put, dir, unlink, link, readlink, mkdir and namespace.

Recorded on a real ``flux start`` (flux-core 0.88.0).  The program covers
values as the command stores them (text with its NUL, ``-r`` bytes, from
stdin, ``-A`` appends), ``get -l``, lookups of missing keys, directories and
keys past a value, put's errors (no ``=``, an empty key, the root), ``dir``
with its truncation to 80 columns off a terminal (``-w``, ``-w 0``, a
newline), ``-d``, ``-R``, links within and across namespaces
(``readlink -o``/``-k``), ``unlink`` (``-R``, ``-f``, a non-empty
directory), namespaces (list, create with ``-o``, remove, errors), watches
(``-w -c``, ``-u``; each starts before the writes it counts: the program
waits for its first value) and ``-W``, and the usages.  The root's
``admin.`` and ``resource.`` entries, which flux-core's own modules write,
are left out.  It runs in ``fluxsim start`` and, where it exists, in a real
``flux start`` too.
"""

import pytest

from dropin_support import STARTS, program_lines

PROGRAM = r"""exec 2>&1
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
"""

EXPECTED = [
    '== put/get',
    'rc=0',
    '1',
    'hello',
    '{"x": [1, 2]}',
    '"quoted"',
    'a=1',
    'b.c=hello',
    'rc=0',
    '== raw',
    'abc',
    'abc',
    'from stdin',
    '== append',
    'xy',
    'onetwo',
    '== missing',
    'flux-kvs: nosuch: No such file or directory',
    'rc=1',
    'flux-kvs: b: Is a directory',
    'rc=1',
    'flux-kvs: a.x: No such file or directory',
    'rc=1',
    '== put errors',
    'flux-kvs: put: you must specify a value as key=value',
    'rc=1',
    'Usage: flux-kvs put [-N ns] [-O|-b|-s] [-r|-t] [-n] [-A] [-S] key=value [key=value...]',
    'Store value under key',
    '  -h, --help             Display this message.',
    '  -N, --namespace        Specify KVS namespace to use.',
    '  -O, --treeobj-root     Output resulting RFC11 root containing puts',
    '  -b, --blobref          Output blobref of root containing puts',
    '  -s, --sequence         Output root sequence of root containing puts',
    '  -r, --raw              Store value(s) as-is without adding NULL termination',
    '  -t, --treeobj          Store RFC 11 object',
    '  -n, --no-merge         Set the NO_MERGE flag to ensure commit is standalone',
    '  -A, --append           Append value(s) to key instead of overwriting',
    '  -S, --sync             Flushes content and checkpoints after completing put',
    'rc=1',
    'flux-kvs: : Invalid argument',
    'rc=1',
    'flux-kvs: flux_kvs_commit: Invalid argument',
    'rc=1',
    '== mkdir/dir',
    'm2.n.',
    'm2.n.',
    'm1.k = v',
    'm1.long = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...',
    'm1.nl = one...',
    'm1.k = v',
    'm1.long = xxxxxxx...',
    'm1.nl = one...',
    'm1.k = v',
    'm1.long = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    'm1.nl = one',
    'two',
    'm1.k',
    'm1.long',
    'm1.nl',
    'rc=0',
    'flux-kvs: nosuch: No such file or directory',
    'rc=1',
    'flux-kvs: a: Not a directory',
    'rc=1',
    'flux-kvs: dir: specify zero or one directory',
    'rc=1',
    '== link',
    'hello',
    'b.c',
    'Usage: flux-kvs link [-N ns] [-T ns] [-O|-b|-s] target linkname',
    'Create a new name for target',
    '  -h, --help             Display this message.',
    "  -N, --namespace        Specify link's namespace.",
    "  -T, --target-namespace Specify target's namespace",
    '  -O, --treeobj-root     Output resulting RFC11 root containing link',
    '  -b, --blobref          Output blobref of root containing link',
    '  -s, --sequence         Output root sequence of root containing link',
    'rc=1',
    'flux-kvs: a: Invalid argument',
    'rc=1',
    'flux-kvs: nosuch: No such file or directory',
    'rc=1',
    'ns1::k',
    'ns1',
    'k',
    'v',
    '== dir R',
    'b.c = hello',
    'a = 1',
    'ap = xy',
    'b.',
    'd.',
    'lk -> b.c',
    'lns -> ns1::k',
    'm1.',
    'm2.',
    'r1 = abc',
    'r2 = from stdin',
    'ra = onetwo',
    's = "quoted"',
    'm2.n.',
    '== unlink',
    'flux-kvs: a: No such file or directory',
    'rc=1',
    "flux-kvs: cannot unlink 'm1': Directory not empty",
    'rc=1',
    'flux-kvs: m1.k: No such file or directory',
    'rc=1',
    "flux-kvs: cannot unlink 'nosuch': No such file or directory",
    'rc=1',
    'rc=0',
    'rc=0',
    '== namespace',
    'NAMESPACE                                 OWNER      FLAGS',
    'primary                                       UID 0x00000000',
    'ns1                                           UID 0x00000000',
    'flux-kvs: ns1: File exists',
    'rc=1',
    'ns2                                        1234 0x00000000',
    'NAMESPACE                                 OWNER      FLAGS',
    'primary                                       UID 0x00000000',
    'flux-kvs: a: Operation not supported',
    'rc=1',
    'flux-kvs: primary: Operation not supported',
    'rc=1',
    '== watch',
    '1',
    '2',
    '2',
    '3',
    '4',
    '== waitcreate',
    '9',
    '== usage',
    'Usage: flux-kvs [OPTIONS] COMMAND ARGS',
    '  -h, --help             Display this message.',
    '',
    'Usage: flux-kvs [OPTIONS] COMMAND ARGS',
    '  -h, --help             Display this message.',
    '',
    'Common commands from flux-kvs:',
    '   namespace       Perform KVS namespace operations',
    '   get             Get value stored under key',
    '   put             Store value under key',
    '   dir             Display all keys under directory',
    '   ls              List directory',
    '   unlink          Remove key',
    '   link            Create a new name for target',
    '   readlink        Retrieve the key a link refers to',
    '   mkdir           Create a directory',
    '   copy            Copy source key to destination key',
    '   move            Move source key to destination key',
    '   version         Display current KVS version',
    '   wait            Block until the KVS reaches version',
    '   getroot         Get KVS root treeobj',
    '   sync            sync content and checkpoint to disk',
    '   eventlog        Manipulate a KVS eventlog',
    'rc=1',
    'Usage: flux-kvs get [-N ns] [-r|-t] [-a treeobj] [-l] [-W] [-w] [-u] [-A] [-f] [-S] [-c COUNT] key [key...]',
    'Get value stored under key',
    '  -h, --help             Display this message.',
    '  -N, --namespace        Specify KVS namespace to use.',
    '  -r, --raw              Interpret value(s) as raw data',
    '  -t, --treeobj          Show RFC 11 object',
    '  -a, --at               Lookup relative to RFC 11 snapshot reference',
    '  -l, --label            Print key= before value',
    '  -W, --waitcreate       Wait for creation to occur on watch',
    '  -w, --watch            Monitor key writes',
    '  -u, --uniq             Only monitor key writes if values have changed',
    '  -A, --append           Only monitor key appends',
    '  -f, --full             Monitor key changes with more complete accuracy',
    '  -c, --count=COUNT      Display at most COUNT changes',
    '  -S, --stream           Return potentially large values in multiple responses.',
    'rc=1',
]


@pytest.mark.parametrize("start", STARTS)
def test_kvs_command_as_flux_core(start, tmp_path):
    assert program_lines(start, PROGRAM, tmp_path, 1) == EXPECTED
