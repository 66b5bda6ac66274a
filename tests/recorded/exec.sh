# ``flux exec``: a command on each broker rank.
#
# Recorded on a real ``flux start --test-size=3`` (flux-core 0.88.0).  The
# program covers each rank's ``FLUX_URI`` (and so the ``rank`` attribute the
# rank's broker answers with), flux exec's ``DBUS_SESSION_BUS_ADDRESS``, the
# working directory (the caller's, ``--dir``), exit codes and their summary by
# status (``[0,2]: Exit 3``, ``--quiet``), commands that cannot run (126, 127),
# signals (128 + N), ``--rank``/``--exclude`` and their errors, stdin copied to
# every rank and ``--noinput``, stdout and stderr kept apart, optparse's
# option errors, clustered short options, ``--``, the usage, and ``--jobid``
# (the job's ranks, counted within them; unknown, unparsable and finished
# jobs).  Output of several ranks is sorted, as their order varies.
exec 2>&1
echo "== uri"; flux exec -l printenv FLUX_URI | sed "s,local://.*/local-,local://DIR/local-," | sort
echo "== dbus"; flux exec -r 0 sh -c 'test "$DBUS_SESSION_BUS_ADDRESS" = "unix:path=/run/user/$(id -u)/bus" && echo ok'
echo "== rank"; flux exec -l -r 1 flux getattr rank; flux exec -r 1-2 -l sh -c 'flux getattr rank' | sort
echo "== pwd"; flux exec -l -r 0-1 pwd | sed "s,$PWD,CWD," | sort; flux exec -d /tmp -r 2 pwd; flux exec --dir=/ -r 2 pwd
echo "== rc"; flux exec -r 1-2 sh -c 'exit $(($(flux getattr rank)+3))' 2>&1 | sort; echo rc=$?
flux exec -r 0,2 sh -c "exit 3"; echo rc=$?; flux exec -q -r 1 sh -c "exit 2"; echo rc=$?
echo "== launch"; flux exec -r 1 nosuchcmd; echo rc=$?; flux exec -r 1 /etc/passwd; echo rc=$?
echo "== signal"; flux exec -r 0 sh -c 'kill -TERM $$'; echo rc=$?; flux exec -r 1-2 sh -c 'kill -KILL $$'; echo rc=$?
echo "== ranks"; flux exec -r 5 true; echo rc=$?; flux exec -r x true; echo rc=$?; flux exec -x 0-2 true; echo rc=$?; flux exec -x y true; echo rc=$?
echo "== exclude"; flux exec -l -x 0 sh -c 'flux getattr rank' | sort; flux exec -l -x 1,7 -r 1-2 sh -c 'flux getattr rank'
echo "== stdin"; printf 'hello\nworld\n' | flux exec -l -r 0-1 cat | sort; flux exec -n -r 0 cat; echo rc=$?
echo "== streams"; flux exec -l -r 1 sh -c 'echo out; echo err >&2' 2>/dev/null; flux exec -l -r 1 sh -c 'echo out; echo err >&2' >/dev/null
echo "== options"; flux exec --foo true; echo rc=$?; flux exec -r; echo rc=$?; flux exec --lab -r 0 echo x; echo rc=$?; flux exec -Z true; echo rc=$?; flux exec -lr0 echo clustered; flux exec -r 0 -- echo -n dashdash; echo
echo "== usage"; flux exec; echo rc=$?
echo "== job"; id=$(flux submit -N2 sleep 60); flux job wait-event $id start >/dev/null
flux exec -l --jobid=$id sh -c 'flux getattr rank' | sort; flux exec -l -j $id -x 0 sh -c 'flux getattr rank'; flux exec -j $id -r 1 sh -c 'echo ${FLUX_JOB_ID:-unset}'
flux exec --jobid=nojob true; echo rc=$?; flux exec --jobid=f1234 true; echo rc=$?
flux cancel $id; flux job wait-event $id clean >/dev/null; flux exec --jobid=$id true 2>&1 | sed "s/ƒ[0-9A-Za-z]*/ID/"
