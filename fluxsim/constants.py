"""Flux constants: flux-core 0.88's ``flux.constants`` names, and job states as enums.

Every ``FLUX_*`` name a client of ``flux.constants`` finds there exists here
with flux-core's value (job flags, states and results of RFC 21, RPC and
message flags of RFC 3 and flux_rpc(3), node ids, roles, reactor and KVS
flags), so code that imports them runs unchanged.

A job moves NEW -> DEPEND -> PRIORITY -> SCHED -> RUN -> CLEANUP -> INACTIVE;
an exception or cancel may jump it straight to CLEANUP.  Results are what
``flux job list`` and ``flux.job.result()`` report once a job is inactive.
"""

import enum


# -- job submission flags, urgency and priority bounds ----------------------------
FLUX_JOB_PRE_SIGNED = 1
FLUX_JOB_DEBUG = 2
FLUX_JOB_WAITABLE = 4
FLUX_JOB_NOVALIDATE = 8

FLUX_JOB_URGENCY_MIN = 0
FLUX_JOB_URGENCY_HOLD = 0
FLUX_JOB_URGENCY_DEFAULT = 16
FLUX_JOB_URGENCY_EXPEDITE = 31
FLUX_JOB_URGENCY_MAX = 31
FLUX_JOB_PRIORITY_MIN = 0
FLUX_JOB_PRIORITY_MAX = 4294967295

FLUX_JOBID_ANY = 0xFFFFFFFFFFFFFFFF
FLUX_USERID_UNKNOWN = 0xFFFFFFFF

# -- job states and results (RFC 21), as flux_job_state_t / flux_job_result_t ----------
FLUX_JOB_STATE_NEW = 1
FLUX_JOB_STATE_DEPEND = 2
FLUX_JOB_STATE_PRIORITY = 4
FLUX_JOB_STATE_SCHED = 8
FLUX_JOB_STATE_RUN = 16
FLUX_JOB_STATE_CLEANUP = 32
FLUX_JOB_STATE_INACTIVE = 64
FLUX_JOB_STATE_PENDING = 14
FLUX_JOB_STATE_RUNNING = 48
FLUX_JOB_STATE_ACTIVE = 62

FLUX_JOB_RESULT_COMPLETED = 1
FLUX_JOB_RESULT_FAILED = 2
FLUX_JOB_RESULT_CANCELED = 4
FLUX_JOB_RESULT_TIMEOUT = 8

# -- eventlog watch and job lookup flags --------------------------------------------
FLUX_JOB_EVENT_WATCH_WAITCREATE = 1
FLUX_JOB_EVENT_WATCH_INITIAL_SENTINEL = 2
FLUX_JOB_LOOKUP_JSON_DECODE = 1
FLUX_JOB_LOOKUP_CURRENT = 2

# -- messages and RPCs (RFC 3, flux_rpc(3)) ------------------------------------------
FLUX_RPC_NORESPONSE = 1
FLUX_RPC_STREAMING = 2
FLUX_NODEID_ANY = 0xFFFFFFFF
FLUX_NODEID_UPSTREAM = 0xFFFFFFFE
FLUX_MATCHTAG_NONE = 0

FLUX_MSGTYPE_REQUEST = 1
FLUX_MSGTYPE_RESPONSE = 2
FLUX_MSGTYPE_EVENT = 4
FLUX_MSGTYPE_CONTROL = 8
FLUX_MSGTYPE_ANY = 15
FLUX_MSGTYPE_MASK = 15

FLUX_MSGFLAG_TOPIC = 1
FLUX_MSGFLAG_PAYLOAD = 2
FLUX_MSGFLAG_NORESPONSE = 4
FLUX_MSGFLAG_ROUTE = 8
FLUX_MSGFLAG_UPSTREAM = 16
FLUX_MSGFLAG_PRIVATE = 32
FLUX_MSGFLAG_STREAMING = 64
FLUX_MSGFLAG_USER1 = 128

FLUX_EVENT_PRIVATE = 1

# -- roles (RFC 12) ---------------------------------------------------------------
FLUX_ROLE_NONE = 0
FLUX_ROLE_OWNER = 1
FLUX_ROLE_USER = 2
FLUX_ROLE_LOCAL = 4
FLUX_ROLE_ADMIN = 8
FLUX_ROLE_ALL = 0xFFFFFFFF

# -- handles and reactors (flux_open(3), flux_reactor_run(3), watchers) -----------------
FLUX_O_TRACE = 1
FLUX_O_CLONE = 2
FLUX_O_NONBLOCK = 4
FLUX_O_MATCHDEBUG = 8
FLUX_O_TEST_NOSUB = 16
FLUX_O_RPCTRACK = 32
FLUX_O_NOREQUEUE = 64

FLUX_REACTOR_NOWAIT = 1
FLUX_REACTOR_ONCE = 2

FLUX_POLLIN = 1
FLUX_POLLOUT = 2
FLUX_POLLERR = 4

FLUX_RQ_HEAD = 1
FLUX_RQ_TAIL = 2

# -- KVS flags (flux_kvs_lookup(3), flux_kvs_txn_create(3)) ------------------------------
FLUX_KVS_READDIR = 1
FLUX_KVS_READLINK = 2
FLUX_KVS_WATCH = 4
FLUX_KVS_WAITCREATE = 8
FLUX_KVS_TREEOBJ = 16
FLUX_KVS_APPEND = 32
FLUX_KVS_WATCH_FULL = 64
FLUX_KVS_WATCH_UNIQ = 128
FLUX_KVS_WATCH_APPEND = 256
FLUX_KVS_STREAM = 512
FLUX_KVS_WATCH_INITIAL_SENTINEL = 1024
FLUX_KVS_NO_MERGE = 1
FLUX_KVS_SYNC = 4
FLUX_KVS_TXN_COMPACT = 2

# -- plugins and subprocesses (flux_plugin(3), flux_subprocess) --------------------------
FLUX_PLUGIN_ARG_IN = 0
FLUX_PLUGIN_ARG_OUT = 1
FLUX_PLUGIN_ARG_REPLACE = 2
FLUX_PLUGIN_RTLD_LAZY = 1
FLUX_PLUGIN_RTLD_NOW = 2
FLUX_PLUGIN_RTLD_GLOBAL = 4
FLUX_PLUGIN_RTLD_DEEPBIND = 8

FLUX_SUBPROCESS_INIT = 0
FLUX_SUBPROCESS_RUNNING = 1
FLUX_SUBPROCESS_EXITED = 2
FLUX_SUBPROCESS_FAILED = 3
FLUX_SUBPROCESS_STOPPED = 4
FLUX_SUBPROCESS_FLAGS_STDIO_FALLTHROUGH = 1
FLUX_SUBPROCESS_FLAGS_NO_SETPGRP = 2
FLUX_SUBPROCESS_FLAGS_FORK_EXEC = 4
FLUX_SUBPROCESS_FLAGS_LOCAL_UNBUF = 8
FLUX_SUBPROCESS_FLAGS_WAITABLE = 16
FLUX_SUBPROCESS_FLAGS_SIGN = 32

# -- configuration paths (flux_conf_builtin_get(3)) -----------------------------------
FLUX_CONF_INSTALLED = 0
FLUX_CONF_INTREE = 1
FLUX_CONF_AUTO = 2

__all__ = ["State", "Result", "statetostr", "resulttostr"] + sorted(
    name for name in dir() if name.startswith("FLUX_")
)


class State(enum.IntFlag):
    """Job states as bit flags, so masks like ``PENDING`` compose."""

    NEW = 1
    DEPEND = 2
    PRIORITY = 4
    SCHED = 8
    RUN = 16
    CLEANUP = 32
    INACTIVE = 64

    PENDING = DEPEND | PRIORITY | SCHED
    RUNNING = RUN | CLEANUP
    ACTIVE = PENDING | RUNNING


class Result(enum.IntEnum):
    """Terminal job results."""

    COMPLETED = 1
    FAILED = 2
    CANCELED = 4
    TIMEOUT = 8


_STATE_NAMES = {
    State.NEW: ("NEW", "N"),
    State.DEPEND: ("DEPEND", "D"),
    State.PRIORITY: ("PRIORITY", "P"),
    State.SCHED: ("SCHED", "S"),
    State.RUN: ("RUN", "R"),
    State.CLEANUP: ("CLEANUP", "C"),
    State.INACTIVE: ("INACTIVE", "I"),
}
_RESULT_NAMES = {
    Result.COMPLETED: ("COMPLETED", "CD"),
    Result.FAILED: ("FAILED", "F"),
    Result.CANCELED: ("CANCELED", "CA"),
    Result.TIMEOUT: ("TIMEOUT", "TO"),
}


def statetostr(stateid, fmt="L"):
    """Name of a job state: long (``"SCHED"``) or, with ``fmt="S"``, one letter."""
    long, short = _STATE_NAMES.get(State(stateid), ("(unknown)", "?"))
    return short if fmt == "S" else long


def resulttostr(resultid, fmt="L"):
    """Name of a job result: long (``"COMPLETED"``) or, with ``fmt="S"``, abbreviated."""
    long, short = _RESULT_NAMES.get(Result(resultid), ("(unknown)", "?"))
    return short if fmt == "S" else long
