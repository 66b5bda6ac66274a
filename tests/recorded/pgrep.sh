# ``flux pgrep`` and ``flux pkill``: jobs by name pattern or id range.
#
# Recorded on a real ``flux start`` (flux-core 0.88.0). The program covers ids alone by
# default, format strings (with their header), the named formats (``full``, ``deps``),
# pending and running jobs by default, ``-a`` and ``-f``, ``--count``, ``name:``, id
# ranges, users (``-A``, ``-u``), a bad pattern, two patterns and a bad format field, and
# pkill's count, no match and ``--wait``. Job ids print as ID (a padded one
# without its padding), and run times as T.
exec 2>&1
d=$(flux submit --job-name=gamma true); flux job wait-event $d clean >/dev/null
a=$(flux submit --job-name=alpha sleep 100); b=$(flux submit --job-name=beta sleep 100); c=$(flux submit --job-name=alpha2 --urgency=hold true)
flux job wait-event $b start >/dev/null
echo "== ids"; flux pgrep alpha; echo rc=$?
echo "== formats"; flux pgrep -o '{name} {state}' alpha; flux pgrep -n -o '{name}' '^a'; flux pgrep -o full beta | sed -e 's/ [0-9.]*s / T /' -e 's/^ *ƒ[^ ]* /ID /'; flux pgrep -o deps -n alpha2 | sed 's/^ *ƒ[^ ]* /ID /'
echo "== states"; flux pgrep gamma; echo rc=$?; flux pgrep -a -o '{name}' -n gamma; flux pgrep -f inactive -n -o '{name}' .; flux pgrep -f sched -n -o '{name}' .
echo "== count"; flux pgrep -c 1 -n -o '{name}' alpha; flux pgrep -n -o '{name}' 'name:be'
echo "== range"; flux pgrep -n -o '{name}' $a..$c; flux pgrep -n -o '{name}' $b..$b
echo "== users"; flux pgrep -A -n -o '{name}' beta; flux pgrep -u 12345 beta; echo rc=$?; flux pgrep -u all -n -o '{name}' beta
echo "== errors"; flux pgrep '['; echo rc=$?; flux pgrep a b; echo rc=$?; flux pgrep -o '{nosuch}' a; echo rc=$?
echo "== pkill"; flux pkill alpha2; echo rc=$?; flux pkill nomatch; echo rc=$?; flux pkill --wait 'alpha$|beta'; echo rc=$?; flux pgrep -a -n -o '{name} {result}' . | sort
