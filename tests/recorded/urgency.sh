# ``flux job urgency``: hold, release and expedite a pending job, as flux-core 0.88 does.
#
# Its words (hold, expedite, default, any case), ``-v``'s report of the old urgency, and
# its errors: the job manager's (out of range, unknown job, job inactive, resources
# already allocated) and its own (a word that is no job id or no number; a negative number
# reaches the job manager as C reads it).
#
# Expected output recorded from a real ``flux start --test-size=1`` (flux-core 0.88.0 with
# flux-sched 0.54.0), job ids replaced and broker log lines left out.
exec 2>&1
b=$(flux submit -N1 -x sleep 300); flux job wait-event $b start >/dev/null
a=$(flux submit --urgency=hold true)
echo "== hold to 20"; flux job urgency -v $a 20; echo rc=$?
echo "== words"; flux job urgency -v $a EXPEDITE; echo rc=$?; flux job urgency -v $a default; echo rc=$?; flux job urgency --verbose $a Hold; echo rc=$?
echo "== out of range"; flux job urgency $a 32; echo rc=$?
echo "== negative"; flux job urgency $a -1; echo rc=$?
echo "== not a number"; flux job urgency $a 5x; echo rc=$?
echo "== bad id"; flux job urgency nojob 5; echo rc=$?
echo "== unknown job"; flux job urgency 123 5; echo rc=$?
echo "== arguments"; flux job urgency $a; echo rc=$?
flux jobs -n -o "{urgency} {priority} {state}" $a
echo "== running"; flux job urgency $b 5; echo rc=$?
flux cancel $a; flux job wait-event $a clean >/dev/null
echo "== inactive"; flux job urgency $a 5; echo rc=$?
flux cancel $b; flux job wait-event $b clean >/dev/null
