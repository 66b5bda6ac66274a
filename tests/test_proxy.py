"""``flux proxy`` on fluxsim beyond its recorded program (``tests/recorded/proxy.sh``):
the ``ssh://`` uri a nested instance posts."""

import subprocess
import sys


def test_an_ssh_uri_reaches_the_instance_at_its_path(tmp_path):
    """What a nested instance posts (``ssh://HOST/PATH``) opens without ssh: every
    fluxsim instance runs on this machine."""
    program = ("import flux, os; "
               "print(flux.Flux(os.environ['FLUX_URI'].replace('local://', 'ssh://somehost')).attr_get('size'))")
    proc = subprocess.run([sys.executable, "-m", "fluxsim.cli", "start", "--test-size=3",
                           sys.executable, "-c", program],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.stdout.split() == ["3"], proc.stderr
