# ``flux job killall``, ``raiseall``, ``purge`` and ``stats``: the instance-wide job
# commands.
#
# Recorded on a real ``flux start`` (flux-core 0.88.0). The program covers job-list's
# statistics (empty, with jobs in each state, after purges: ``inactive_purged``),
# killall's dry run, ``--force``, ``--signal`` and ``--user`` and their errors, raiseall's
# type and note, ``--severity``, ``--states`` and their errors (its exception event is
# awaited, as the eventlog may lag the response), purge by count and by id (dry run and
# ``--force``; an active job, an unknown id) with its errors, the usages, and the
# subcommands in ``flux job``'s list.
exec 2>&1
echo "== stats empty"; flux job stats
flux run true; a=$(flux submit sleep 100); b=$(flux submit --urgency=hold true); flux job wait-event $a start >/dev/null
echo "== stats"; flux job stats
echo "== killall"; flux job killall; echo rc=$?; flux job killall -u nosuchuser; echo rc=$?; flux job killall -s FOO; echo rc=$?; flux job killall x; echo rc=$?; flux job killall --user=all -s 9; echo rc=$?
flux job killall -f -s TERM; echo rc=$?; flux job wait-event $a clean >/dev/null
echo "== raiseall"; flux job raiseall; echo rc=$?; flux job raiseall test; echo rc=$?; flux job raiseall -S inactive t; echo rc=$?; flux job raiseall -S foo t; echo rc=$?
flux job raiseall -s 9 -f t; echo rc=$?; flux job raiseall -f "bad type"; echo rc=$?; flux job raiseall -s x t; echo rc=$?; flux job raiseall -S run -f t; echo rc=$?
flux job raiseall -f --states=sched,priority test2 a note here; echo rc=$?; flux job wait-event $b exception | sed 's/^[0-9.]* //'
flux job raiseall -s 0 -f cancel; echo rc=$?; flux job wait-event $b clean >/dev/null
echo "== purge"; flux job purge; echo rc=$?; flux job purge --num-limit=1; echo rc=$?; flux job purge -f --num-limit=2; echo rc=$?
flux job purge --age-limit=x; echo rc=$?; flux job purge --num-limit=-5; echo rc=$?; flux job purge f123; echo rc=$?; flux job purge --batch=0; echo rc=$?; flux job purge --batch=x; echo rc=$?
c=$(flux submit sleep 100); flux job purge $c; echo rc=$?; flux cancel $c; flux job wait-event $c clean >/dev/null; flux job purge $c; echo rc=$?; flux job purge -f $c; echo rc=$?; flux job purge -f; echo rc=$?
echo "== stats after"; flux job stats; flux job purge --help
echo "== usage"; flux job 2>&1 | grep -E "all|stats|purge"
