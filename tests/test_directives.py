"""RFC 36 directives: fluxsim's ``flux.job.directives`` against flux-core's own.

Generated scripts mix sentinels, quoting, triple quotes, comments, blank
lines and script lines; flux-core 0.88's ``DirectiveParser`` (run through
``flux python``) and fluxsim's must find the same directives (action, words,
line) and script, or fail with the same message.  ``flux batch`` applying
them is checked on recorded outcomes in ``test_batch_alloc_dryrun.py``.
"""

import inspect
import io
import json
import random
import subprocess

import pytest

from dropin_support import REAL_FLUX
from fluxexec_support import NO_REAL_FLUX
from fluxsim.job.directives import DirectiveParser

pytestmark = [pytest.mark.real, pytest.mark.skipif(REAL_FLUX is None, reason=NO_REAL_FLUX)]

SENTINELS = ["#FLUX:", "#FLUX:", "#FLUX:", "#flux:", "# FLUX:", "  #FLUX:", "--flux:", "FLUX:"]
VALUES = [
    " -N2", " -n4 -c2", " --job-name=foo", " -t 10m  # a comment", "", " # -N4", " foo",
    ' -S user.x="a b"', " -S user.y='c d'", ' -S "user.z=unclosed', ' -S user.q="it\'s"',
    ' -S user.t="""inline "q" text"""', " -S user.m='''", ' -S user.m="""', ' """', " '''",
    "   indented line", ' two """ inner', ' """ trailing', " --env=A=1 -o verbose", " -x\\",
]
OTHERS = ["echo hi", "", "   ", "# a comment", "#", "## two", "srun hostname"]


def scripts(count, seed):
    """``count`` generated scripts (texts)."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        sentinel = rng.choice(SENTINELS)
        lines = ["#!/bin/sh"]
        for _ in range(rng.randint(1, 8)):
            roll = rng.random()
            if roll < 0.65:
                # mostly the script's own sentinel, sometimes another
                mark = sentinel if rng.random() < 0.9 else rng.choice(SENTINELS)
                lines.append(mark + rng.choice(VALUES))
            else:
                lines.append(rng.choice(OTHERS))
        texts.append("\n".join(lines) + ("\n" if rng.random() < 0.9 else ""))
    return texts


def outcome(parse, text):
    """What a parser makes of ``text``: its directives and script, or its error."""
    try:
        parsed = parse(io.StringIO(text))
    except ValueError as exc:
        return {"error": str(exc)}
    return {"directives": [[d.action, d.args, d.lineno] for d in parsed.directives],
            "script": parsed.script}


FLUX_PROGRAM = f"""
import io, json, sys
from flux.job.directives import DirectiveParser
{inspect.getsource(outcome)}
print(json.dumps([outcome(DirectiveParser, text) for text in json.load(sys.stdin)]))
"""


def test_generated_scripts_parse_as_in_flux_core():
    texts = scripts(600, seed=36)
    proc = subprocess.run([REAL_FLUX, "python", "-c", FLUX_PROGRAM], input=json.dumps(texts),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    expected = json.loads(proc.stdout)
    errors = sum("error" in e for e in expected)
    # the generator reaches both sides: some scripts parse, some fail
    assert 100 < errors < 500, errors
    for text, want in zip(texts, expected):
        assert outcome(DirectiveParser, text) == want, text
