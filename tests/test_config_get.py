"""``flux config get``: the instance's configuration, whole or a key, as flux-core 0.88 prints it.

A string as it is, any other value as compact JSON with a table's plain
values first, then its arrays (flux's TOML reader's order); ``--type``
checks (the ``fsd`` types read a duration string), ``--default``,
``--quiet``, and the messages for an unset key, a wrong type and an unknown
type.  Expected output recorded from a real ``flux start --test-size=1 -c
DIR`` (flux-core 0.88.0); the program runs in ``fluxsim start`` and, where
it exists, in a real ``flux start`` too.
"""

import pytest

from dropin_support import STARTS, program_output

CONFIG = '[sched-fluxion-qmanager]\nqueue-policy = "easy"\n[x]\ny = 1\nz = "1h"\nw = [1,2]\nb = true\nr = 1.5\n'

PROGRAM = r"""exec 2>&1
echo "== all"; flux config get | python3 -c "import json,sys; d=json.load(sys.stdin); print(sorted(d))"; echo rc=$?
echo "== key"; flux config get x.y; echo rc=$?
echo "== string"; flux config get x.z; echo rc=$?
echo "== table"; flux config get x; echo rc=$?
echo "== array"; flux config get x.w; echo rc=$?
echo "== bool"; flux config get x.b; echo rc=$?
echo "== real"; flux config get x.r; echo rc=$?
echo "== unset"; flux config get x.nope; echo rc=$?
echo "== quiet"; flux config get -q x.nope; echo rc=$?
echo "== default"; flux config get --default=5 x.nope; echo rc=$?
echo "== type ok"; flux config get --type=integer x.y; echo rc=$?
echo "== type bad"; flux config get --type=string x.y; echo rc=$?
echo "== fsd"; flux config get --type=fsd x.z; echo rc=$?
echo "== fsd-integer"; flux config get --type=fsd-integer x.z; echo rc=$?
echo "== fsd-real"; flux config get --type=fsd-real x.z; echo rc=$?
echo "== bad type"; flux config get --type=nope x.y; echo rc=$?
echo "== in a string"; flux config get x.z.q; echo rc=$?
"""

EXPECTED = [
    '== all',
    "['sched-fluxion-qmanager', 'x']",
    'rc=0',
    '== key',
    '1',
    'rc=0',
    '== string',
    '1h',
    'rc=0',
    '== table',
    '{"y":1,"z":"1h","b":true,"r":1.5,"w":[1,2]}',
    'rc=0',
    '== array',
    '[1,2]',
    'rc=0',
    '== bool',
    'true',
    'rc=0',
    '== real',
    '1.5',
    'rc=0',
    '== unset',
    'flux-config: x.nope is not set',
    'rc=1',
    '== quiet',
    'rc=1',
    '== default',
    '5',
    'rc=0',
    '== type ok',
    '1',
    'rc=0',
    '== type bad',
    'flux-config: x.y does not have the requested type',
    'rc=1',
    '== fsd',
    '1h',
    'rc=0',
    '== fsd-integer',
    '3600',
    'rc=0',
    '== fsd-real',
    '3600.000000',
    'rc=0',
    '== bad type',
    'flux-config: Unknown type: nope',
    'rc=1',
    '== in a string',
    'flux-config: x.z.q is not set',
    'rc=1',
]


@pytest.mark.parametrize("start", STARTS)
def test_config_get_as_flux_core(start, tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "a.toml").write_text(CONFIG)
    assert program_output(start, PROGRAM, tmp_path, 1, "-c", str(tmp_path / "conf")) == EXPECTED
