# ``flux hostlist``: hostlist algebra on the instance's, a job's, stdin's and literal
# hosts.
#
# Recorded on a real ``flux start --test-size=4 --test-hosts=node[0-3] -c DIR`` (flux-core
# 0.88.0, flux-sched 0.54.0: Fluxion places the two-node job), with R's hosts configured
# as node[0-3]. The program covers every source (instance, local inside and outside a job,
# avail with a drained node, stdin and its timeout, job ids, a pending job's empty list,
# literal hostlists, words that parse as job ids, with and without ``--fallback``), every
# combination (append, union, intersect, minus, xor) and every option (expand, delimiter,
# count, nth from either end, find, limit, sort, exclude by host or index, quiet), with
# Flux's errors: a host not found, an index out of range, an invalid idset, an invalid
# source, argparse's usage errors. It also reads the broker attributes the test brokers
# set from ``--test-hosts``.
exec 2>&1
echo "== instance"; flux hostlist instance; echo rc=$?
echo "== local"; flux hostlist -l; echo rc=$?; flux hostlist local
echo "== count"; flux hostlist -c instance; flux hostlist --count foo1 foo1
echo "== expand"; flux hostlist -e instance; flux hostlist -e -d, instance; flux hostlist -e -d '\n' 'n[1-2]'
echo "== stdin"; printf 'a1\na2\nb3\n' | flux hostlist; printf 'x[1-3]\ny1\n' | flux hostlist -; printf '' | flux hostlist; echo rc=$?
echo "== timeout"; sleep 2 | FLUX_HOSTLIST_STDIN_TIMEOUT=0.2 flux hostlist; echo rc=$?
echo "== literal"; flux hostlist 'foo[1-3]' bar1 'foo[2-5]'; flux hostlist 'foo[1-3],foo[2-5]'
echo "== union"; flux hostlist -u 'foo[1-3]' 'foo[2-5]'; flux hostlist --unique foo3 foo1 foo3
echo "== intersect"; flux hostlist -i 'foo[1-5]' 'foo[3-8]' 'foo[4,9]'; flux hostlist -i 'foo[1-5]' 'foo[5,5,1]'
echo "== minus"; flux hostlist -m 'foo[1-9]' 'foo[3-4]' foo7; flux hostlist -m 'foo[1,1,2]' foo1
echo "== xor"; flux hostlist -X 'foo[1-5]' 'foo[3-8]'; flux hostlist -X 'foo[1-3]' 'foo[2-4]' 'foo[1,9]'
echo "== sort"; flux hostlist -S foo3,foo1,bar2,foo1; flux hostlist -S -u foo3,foo1,bar2,foo1
echo "== nth"; flux hostlist -n 0,2 'foo[1-5]'; flux hostlist -n -1 'foo[1-5]'; flux hostlist -n -1-2 'foo[1-5]'; flux hostlist -n 7 'foo[1-5]'; echo rc=$?; flux hostlist -n x 'foo[1-5]'; echo rc=$?
echo "== find"; flux hostlist -F 'foo[2,4]' 'foo[1-5]'; flux hostlist -F foo9 'foo[1-5]'; echo rc=$?; flux hostlist -F foo1 foo1,foo2,foo1
echo "== limit"; flux hostlist -L 2 'foo[1-5]'; flux hostlist -L -2 'foo[1-5]'; flux hostlist -L 0 'foo[1-5]'; flux hostlist -L x foo1; echo rc=$?
echo "== exclude"; flux hostlist -x foo3 'foo[1-5]'; flux hostlist -x 0,4 'foo[1-5]'; flux hostlist -x bar1 'foo[1-5]'; flux hostlist -x 'foo[1-2]' 'foo[1-3],foo1'; flux hostlist -x '[0-1]' 'foo[1-3]'
echo "== quiet"; flux hostlist -q foo1; echo rc=$?; flux hostlist -q -i foo1 foo2; echo rc=$?
echo "== empty"; flux hostlist -i foo1 foo2; echo rc=$?; flux hostlist -c -i foo1 foo2; flux hostlist -e -i foo1 foo2; echo rc=$?
echo "== job"; id=$(flux submit -N2 true); flux job wait-event $id clean >/dev/null; flux hostlist $id; echo rc=$?; flux hostlist -c $id instance
echo "== in job"; flux run -o cpu-affinity=off -N2 -n2 flux hostlist -l; flux run -o cpu-affinity=off -N1 sh -c 'flux hostlist local; flux hostlist'
echo "== pending"; p=$(flux submit --urgency=hold true); flux hostlist $p; echo rc=$?; flux cancel $p
echo "== avail"; flux resource drain 1 testing; flux hostlist avail; flux hostlist available; flux resource undrain 1; flux hostlist avail
echo "== not a job"; flux hostlist f123456; echo rc=$?; flux hostlist -f fuzz100; echo rc=$?; flux hostlist fuzz100; echo rc=$?
echo "== invalid"; flux hostlist 'foo[1-'; echo rc=$?; flux hostlist 'foo[3-1]'; echo rc=$?
echo "== mutual"; flux hostlist -e -c foo; echo rc=$?; flux hostlist -i -m a b; echo rc=$?
echo "== abbrev"; flux hostlist --cou foo; echo rc=$?
echo "== attributes"; flux getattr hostlist; flux getattr hostname; flux getattr broker.mapping
