# ``flux job taskmap``: a job's RFC 34 taskmap, queried and converted, or a given one.
#
# Recorded on a real ``flux start --test-size=4 --test-hosts=node[0-3] -c DIR`` (flux-core
# 0.88.0, flux-sched 0.54.0: Fluxion places the jobs), R's hosts configured as node[0-3].
# The program reads the maps of a 2-node 5-task job (block) and of a cyclic one, inside
# and outside the job; every query (``--taskids``, ``--ntasks``, ``--nodeid``,
# ``--hostname``, their precedence, -1 read as absent, other negatives EINVAL, ids beyond
# the map ENOENT) and every ``--to`` format; literal maps in each of libtaskmap's
# encodings (RFC 34 JSON, PMI ``(vector,...)``, raw ``0-1;2-3``) with its decode errors; a
# job that never ran, an unknown job, a decimal word (a job id, not a map), a non-integer
# option, and the usage.
exec 2>&1
a=$(flux submit -N2 -n5 true); flux job wait-event $a clean >/dev/null
echo "== map"; flux job taskmap $a
echo "== taskids"; flux job taskmap --taskids=0 $a; flux job taskmap --taskids=1 $a; flux job taskmap --taskids=5 $a; echo rc=$?
echo "== ntasks"; flux job taskmap --ntasks=1 $a; flux job taskmap --ntasks=3 $a; echo rc=$?
echo "== nodeid"; flux job taskmap --nodeid=4 $a; flux job taskmap --nodeid=9 $a; echo rc=$?
echo "== hostname"; flux job taskmap --hostname=4 $a; flux job taskmap --hostname=0 $a
echo "== to"; for t in raw pmi multiline hosts bad; do flux job taskmap --to=$t $a; echo rc=$?; done
echo "== cyclic"; b=$(flux submit -N2 -n4 --taskmap=cyclic true); flux job wait-event $b clean >/dev/null; flux job taskmap $b; flux job taskmap --to=raw $b; flux job taskmap --to=hosts $b
echo "== literal"; flux job taskmap '[[0,2,2,1]]'; flux job taskmap --to=pmi '[[0,2,2,1]]'; flux job taskmap --to=raw '[[0,2,2,1]]'; flux job taskmap --to=hosts '[[0,2,2,1]]'; echo rc=$?; flux job taskmap --hostname=1 '[[0,2,2,1]]'; echo rc=$?
echo "== other encodings"; flux job taskmap '(vector,(0,2,2))'; flux job taskmap '0-1;2-3'; flux job taskmap --to=multiline '0,3;1-2'
echo "== bad"; flux job taskmap 'nonsense'; echo rc=$?; flux job taskmap '[[0,1]]'; echo rc=$?; flux job taskmap; echo rc=$?
echo "== never ran"; p=$(flux submit --urgency=hold true); flux cancel $p; flux job wait-event $p clean >/dev/null; flux job taskmap $p; echo rc=$?
echo "== unknown"; flux job taskmap f123456789; echo rc=$?
echo "== bad int"; flux job taskmap --taskids=x $a; echo rc=$?
echo "== two"; flux job taskmap --ntasks=0 --taskids=1 $a; echo rc=$?
echo "== inside"; flux run -N2 -n3 -o cpu-affinity=off sh -c 'if test $FLUX_TASK_RANK = 0; then flux job taskmap $FLUX_JOB_ID; fi' 2>/dev/null
echo "== usage"; flux job 2>&1 | grep taskmap
echo "== raw"; for m in '2-3;0-1' '0-2;1' '0;2' '0;3-5' '0;;1' '3-1' '0,3;1-2'; do flux job taskmap "$m"; done
echo "== json"; for m in '[[0,"a",1,1]]' '{"map":[]}' '{"version":2,"map":[]}' '{"version":1,"map":[[0,1,1,1]]}' '[[0,1,1,1,9]]' '[[0,0,1,1]]' '[5]' '"x"' '(vector,(0,2,2)' '(vector,(0,0,2))' '(vector,)' '(x,(0,1,1)),vector,'; do flux job taskmap "$m"; done
echo "== negative"; flux job taskmap --taskids=-1 $a; flux job taskmap --taskids=-2 $a; flux job taskmap --nodeid=-3 $a; flux job taskmap --ntasks=-5 '[[0,1,1,1]]'
echo "== decimal"; flux job taskmap 5; echo rc=$?
