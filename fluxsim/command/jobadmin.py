"""``flux job killall``, ``raiseall``, ``purge`` and ``stats``, as flux-core 0.88's.

The instance-wide job commands: signal every running job of a user
(``--user``, ``all``), raise an exception on every job in some states,
purge inactive jobs by age, count or id, print job-list's statistics.
killall and raiseall only count their targets without ``--force``.  Their
words and exit codes are flux-job's; options are read as its optparse
reads them.
"""

import json
import os
import pwd
import sys

from fluxsim.command.common import handle, signum
from fluxsim.command.optparse import OptparseError, parse
from fluxsim.constants import FLUX_USERID_UNKNOWN, State
from fluxsim.fsd import fsd_parse_duration

__all__ = ["main", "COMMANDS"]

_USAGES = {
    "killall": """\
Usage: flux-job killall [OPTIONS]
Send signal to multiple running jobs
  -h, --help             Display this message.
  -s, --signal=SIG       Send signal SIG (default SIGTERM)
  -u, --user=USER        Set target user or 'all' (instance owner only)
  -f, --force            Confirm the command
""",
    "raiseall": """\
Usage: flux-job raiseall OPTIONS type [message ...]
Raise an exception on multiple jobs.
  -h, --help             Display this message.
  -s, --severity=N       Set exception severity [0-7] (0 is fatal, default=7)
  -u, --user=USER        Set target user or 'all' (instance owner only)
  -S, --states=STATES    Set target job states (default=ACTIVE)
  -f, --force            Confirm the command
""",
    "purge": """\
Usage: flux-job purge [--age-limit=FSD] [--num-limit=N] [--batch=COUNT] [--force] [ID ...]
Purge the oldest inactive jobs
  -h, --help             Display this message.
      --age-limit=FSD    Purge jobs that became inactive beyond age-limit.
      --num-limit=COUNT  Purge oldest inactive jobs until COUNT are left.
  -f, --force            Perform the irreversible purge.
      --batch=COUNT      Limit number of jobs per request (default 50).
""",
    "stats": """\
Usage: flux-job stats
Get current job stats
  -h, --help             Display this message.
""",
}
_OPTIONS = {
    "killall": {"signal": ("s", True), "user": ("u", True), "force": ("f", False)},
    "raiseall": {"severity": ("s", True), "user": ("u", True), "states": ("S", True),
                 "force": ("f", False)},
    "purge": {"age-limit": (None, True), "num-limit": (None, True), "force": ("f", False),
              "batch": (None, True)},
    "stats": {},
}
#: subcommand -> (its summary in ``flux job``'s usage)
COMMANDS = {"killall": "Send signal to multiple running jobs",
            "raiseall": "Raise an exception on multiple jobs.",
            "purge": "Purge the oldest inactive jobs", "stats": "Get current job stats"}


class _Exit(Exception):
    """``flux-job: MESSAGE`` (or the given prefix), status 1."""

    def __init__(self, message, prefix="flux-job"):
        super().__init__(message)
        self.prefix = prefix


def _int(options, name, default, command):
    """optparse_get_int: the option's integer, its default, or optparse's error."""
    text = options.get(name)
    if text is None:
        return default
    try:
        return int(text, 10)
    except ValueError:
        raise _Exit(f"{command}: Option '{name}' requires an integer argument",
                    f"flux-job {command}") from None


def _userid(options):
    """The ``--user`` (a name, a uid, ``all``), else the caller."""
    text = options.get("user")
    if text is None:
        return os.getuid()
    if text == "all":
        return FLUX_USERID_UNKNOWN
    try:
        return pwd.getpwnam(text).pw_uid
    except KeyError:
        pass
    if not text[:1].isdigit() or not text.isdigit():
        raise _Exit(f"unknown user {text}")
    return int(text)


def _states(text):
    """The state mask of ``--states`` (names, pending, running, active)."""
    mask = State(0)
    for word in filter(None, text.split(",")):
        name = word.upper()
        if name in State.__members__:
            mask |= State[name]
        else:
            raise _Exit(f"error parsing --states: {word} is unknown")
    if not mask:
        raise _Exit("no states specified")
    return mask


def _matched(count, dry_run, done):
    if count and dry_run:
        return f"Command matched {count} jobs (-f to confirm)"
    if count:
        return f"{done} {count} jobs (0 errors)"
    return "Command matched 0 jobs"


def _killall(h, options, words):
    if words:
        sys.stdout.write(_USAGES["killall"])
        return 1
    text = options.get("signal", "SIGTERM")
    number = signum(text)
    if number is None:
        raise _Exit(f"killall: Invalid signal {text}")
    dry_run = "force" not in options
    try:
        count = h.rpc("job-manager.killall", {"dry_run": dry_run, "userid": _userid(options),
                                              "signum": number}).get()["count"]
    except OSError as exc:
        raise _Exit(f"killall: {exc.strerror}") from None
    import signal

    print(f"flux-job: {_matched(count, dry_run, signal.strsignal(number))}", file=sys.stderr)
    return 0


def _raiseall(h, options, words):
    if not words:
        sys.stdout.write(_USAGES["raiseall"])
        return 1
    severity = _int(options, "severity", 7, "raiseall")
    etype, note = words[0], " ".join(words[1:])
    if "states" in options:
        states = _states(options["states"])
        if states & State.INACTIVE:
            raise _Exit("Exceptions cannot be raised on inactive jobs")
    else:
        states = State.ACTIVE
    dry_run = "force" not in options
    payload = {"dry_run": dry_run, "userid": _userid(options), "states": int(states),
               "severity": severity, "type": etype, "note": note}
    try:
        count = h.rpc("job-manager.raiseall", payload).get()["count"]
    except OSError as exc:
        raise _Exit(f"raiseall: {exc.strerror}") from None
    print(f"flux-job: {_matched(count, dry_run, 'Raised exception on')}", file=sys.stderr)
    return 0


def _purge(h, options, words):
    force = "force" in options
    if words:
        from fluxsim.command.common import jobid

        total = 0
        for word in words:
            try:
                total += h.rpc("job-manager.purge-id",
                               {"id": int(jobid(word)), "force": int(force)}).get()["count"]
            except OSError as exc:
                raise _Exit(f"purge: {exc.strerror}") from None
    else:
        age = -1.0
        if "age-limit" in options:
            age = fsd_parse_duration(options["age-limit"])  # optparse_get_duration
            if age is None:
                raise _Exit(f"purge: Invalid argument for option 'age-limit': "
                            f"'{options['age-limit']}'", "flux-job purge")
        payload = {"age_limit": age, "num_limit": _int(options, "num-limit", -1, "purge"),
                   "batch": _int(options, "batch", 50, "purge"), "force": force}
        total = 0
        while True:
            try:
                count = h.rpc("job-manager.purge", payload).get()["count"]
            except OSError as exc:
                raise _Exit(f"purge: {exc.strerror}") from None
            total += count
            if not force or count != payload["batch"]:
                break
    inactive = h.rpc("job-manager.stats-get", {}).get()["inactive_jobs"]
    if force:
        print(f"purged {total} inactive jobs, {inactive} remaining")
    else:
        print(f"use --force to purge {total} of {inactive} inactive jobs")
    return 0


def _stats(h, options, words):
    print(json.dumps(h.rpc("job-list.job-stats", {}).get(), separators=(",", ":")))
    return 0


_RUN = {"killall": _killall, "raiseall": _raiseall, "purge": _purge, "stats": _stats}


def main(name, argv):
    """Run ``flux job NAME ARGV``."""
    try:
        options, words = parse(f"flux-job {name}", {"help": ("h", False), **_OPTIONS[name]},
                               argv)
        if "help" in options:
            sys.stdout.write(_USAGES[name])
            return 0
        return _RUN[name](handle(), options, words)
    except OptparseError as exc:
        print(f"flux-job: {exc}", file=sys.stderr)
        return 1
    except _Exit as exc:
        print(f"{exc.prefix}: {exc}", file=sys.stderr)
        return 1
