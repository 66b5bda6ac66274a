# ``flux proxy``: a command run against a nested instance, as flux-core 0.88 runs it.
#
# The target resolves as ``flux uri`` resolves it (its errors, then flux proxy's), the
# command's words are joined for ``$SHELL -c``, stdin passes through, and the exit code is
# the command's (128 + N for signal N).
#
# Expected output recorded from a real ``flux start --test-size=2`` (flux-core 0.88.0 with
# flux-sched 0.54.0), job ids replaced. ``FLUX_URI_RESOLVE_LOCAL``: the instance's
# ``ssh://`` uri is reached locally, for a machine without ssh.
exec 2>&1
export FLUX_URI_RESOLVE_LOCAL=t
id=$(flux alloc --bg -N1)
echo "== a command"; flux proxy $id flux getattr instance-level; echo rc=$?
echo "== words joined for the shell"; flux proxy $id echo 'a  b' '$FLUX_PROXY_REMOTE' '${FLUX_URI%%:*}'; echo rc=$?
echo "== exit code"; flux proxy $id sh -c "exit 3"; echo rc=$?
echo "== killed"; flux proxy $id 'kill -TERM $$'; echo rc=$?
echo "== stdin"; echo hello | flux proxy $id cat; echo rc=$?
echo "== no target"; flux proxy; echo rc=$?
echo "== not a job"; flux proxy nojob true; echo rc=$?
echo "== not an instance"; j=$(flux submit true); flux job wait-event $j clean >/dev/null; flux proxy $j true; echo rc=$?
echo "== bad uri"; flux proxy local:///nonexistent/x true; echo rc=$?
echo "== by uri"; flux proxy $(flux uri $id) flux getattr instance-level; echo rc=$?
flux cancel $id; flux job wait-event $id clean >/dev/null
