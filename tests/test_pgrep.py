"""``flux pgrep`` and ``flux pkill``: jobs by name pattern or id range.

Recorded on a real ``flux start`` (flux-core 0.88.0).  The program covers
ids alone by default, format strings (with their header), the named formats
(``full``, ``deps``), pending and running jobs by default, ``-a`` and ``-f``,
``--count``, ``name:``, id ranges, users (``-A``, ``-u``), a bad pattern, two
patterns and a bad format field, and pkill's count, no match and
``--wait``.  Job ids print as ID, and run times as T.  It runs in ``fluxsim
start`` and, where it exists, in a real ``flux start`` too.
"""

import pytest

from dropin_support import STARTS, program_lines

PROGRAM = r"""exec 2>&1
d=$(flux submit --job-name=gamma true); flux job wait-event $d clean >/dev/null
a=$(flux submit --job-name=alpha sleep 100); b=$(flux submit --job-name=beta sleep 100); c=$(flux submit --job-name=alpha2 --urgency=hold true)
flux job wait-event $b start >/dev/null
echo "== ids"; flux pgrep alpha; echo rc=$?
echo "== formats"; flux pgrep -o '{name} {state}' alpha; flux pgrep -n -o '{name}' '^a'; flux pgrep -o full beta | sed 's/ [0-9.]*s / T /'; flux pgrep -o deps -n alpha2
echo "== states"; flux pgrep gamma; echo rc=$?; flux pgrep -a -o '{name}' -n gamma; flux pgrep -f inactive -n -o '{name}' .; flux pgrep -f sched -n -o '{name}' .
echo "== count"; flux pgrep -c 1 -n -o '{name}' alpha; flux pgrep -n -o '{name}' 'name:be'
echo "== range"; flux pgrep -n -o '{name}' $a..$c; flux pgrep -n -o '{name}' $b..$b
echo "== users"; flux pgrep -A -n -o '{name}' beta; flux pgrep -u 12345 beta; echo rc=$?; flux pgrep -u all -n -o '{name}' beta
echo "== errors"; flux pgrep '['; echo rc=$?; flux pgrep a b; echo rc=$?; flux pgrep -o '{nosuch}' a; echo rc=$?
echo "== pkill"; flux pkill alpha2; echo rc=$?; flux pkill nomatch; echo rc=$?; flux pkill --wait 'alpha$|beta'; echo rc=$?; flux pgrep -a -n -o '{name} {result}' . | sort
"""

EXPECTED = [
    '== ids',
    'ID',
    'ID',
    'rc=0',
    '== formats',
    'NAME STATE',
    'alpha2 SCHED',
    'alpha RUN',
    'alpha2',
    'alpha',
    '       JOBID USER     NAME       ST NTASKS NNODES     TIME INFO',
    '     ID root     beta        R      1      1   T vm',
    '     ID alpha2     0   0            SCHED    ',
    '== states',
    'rc=1',
    'gamma',
    'gamma',
    'alpha2',
    '== count',
    'alpha2',
    'beta',
    '== range',
    'alpha2',
    'beta',
    'alpha',
    'beta',
    '== users',
    'beta',
    'rc=1',
    'beta',
    '== errors',
    'flux-pgrep: ERROR: expression error: unterminated character set at position 0',
    'rc=2',
    'flux-pgrep: ERROR: expression error: Only one pattern can be provided',
    'rc=2',
    'flux-pgrep: ERROR: Error in user format: Unknown format field: nosuch',
    'rc=1',
    '== pkill',
    'flux-pkill: INFO: Canceled 1 job',
    'rc=0',
    'rc=1',
    'flux-pkill: INFO: Canceled 2 jobs',
    'rc=0',
    'alpha CANCELED',
    'alpha2 CANCELED',
    'beta CANCELED',
    'gamma COMPLETED',
]


@pytest.mark.parametrize("start", STARTS)
def test_pgrep_pkill_as_flux_core(start, tmp_path):
    assert program_lines(start, PROGRAM, tmp_path, 1) == EXPECTED
