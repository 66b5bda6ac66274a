"""CPU affinity: which cores each task of a job shell would be bound to.

The shell's ``cpu-affinity`` option (default ``on``) binds every task to all
the cores its rank was allocated.  ``per-task`` splits those cores among the
local tasks the way ``hwloc_distrib()`` does at core depth (tasks beyond the
core count share cores; spare cores go to the preceding task), and
``map:LIST`` takes explicit ``;``-separated sets, reused cyclically.
``off`` disables binding.  fluxsim never binds a process; this is metadata.

>>> distribute_tasks([0, 1, 2, 3], 2)
[(0, 1), (2, 3)]
>>> distribute_tasks([0, 1, 2], 2)
[(0,), (1, 2)]
>>> distribute_tasks([0, 1], 3)
[(0,), (0,), (1,)]
>>> parse_cpuset_list("0-1;4", 3)
[(0, 1), (4,), (0, 1)]

Cores are named by the logical core ids of R.  hwloc weighs each core by its
hardware threads; with the same number of threads on every core, as here,
the split does not depend on that number.  ``map:`` sets are passed through
as written (flux reads them as hwloc cpusets of processing units).
"""

__all__ = ["affinity_option", "cpu_affinity", "distribute_tasks", "parse_cpuset_list"]


def distribute_tasks(cores, ntasks):
    """Split ``cores`` among ``ntasks`` tasks as ``hwloc_distrib()`` does.

    Core *i* (of C) takes ``ceil((i+1)*n/C) - ceil(i*n/C)`` tasks; a core that
    gets none joins the set of the task before it.
    """
    cores = list(cores)
    sets = []
    total = len(cores)
    if ntasks <= 0 or total == 0:
        return []
    for i, core in enumerate(cores):
        # integer ceil(), as hwloc computes it
        chunk = ((i + 1) * ntasks + total - 1) // total - (i * ntasks + total - 1) // total
        if chunk:
            sets.extend([core] for _ in range(chunk))
        else:
            sets[-1].append(core)
    return [tuple(s) for s in sets]


def _parse_hwloc_set(arg):
    """Ids of one hwloc bitmap: list ("0-3,6"), taskset ("0xf") or hwloc
    ("0x000000ff,0xffffffff", 32-bit words, most significant first)."""
    if arg.startswith("0x"):
        words = arg.split(",") if "," in arg else [arg]
        value = 0
        for word in words:
            word = word[2:] if word.startswith("0x") else word
            value = (value << (32 if len(words) > 1 else 0)) | int(word, 16)
        return tuple(i for i in range(value.bit_length()) if value >> i & 1)
    ids = set()
    for part in arg.split(","):
        lo, dash, hi = part.partition("-")
        lo = int(lo)
        hi = int(hi) if dash else lo
        if hi < lo:
            raise ValueError(arg)
        ids.update(range(lo, hi + 1))
    return tuple(sorted(ids))


def parse_cpuset_list(setlist, ntasks):
    """Per-task sets from a ``map:`` list; reused cyclically for extra tasks.

    Raises ``ValueError`` with the shell's message for an empty or invalid
    set, as the job would fail.
    """
    sets = []
    for arg in (a for a in setlist.split(";") if a):
        if len(sets) >= ntasks:
            break
        try:
            ids = _parse_hwloc_set(arg)
        except ValueError:
            ids = ()
        if not ids:
            raise ValueError(f"cpuset {arg} contains no cores or is invalid")
        sets.append(ids)
    if not sets:
        raise ValueError(f"no cpusets found in affinity list {setlist}")
    return [sets[i % len(sets)] for i in range(ntasks)]


def affinity_option(options):
    """The ``cpu-affinity`` policy from shell ``options``, prefixes removed.

    ``verbose`` and ``dry-run`` prefixes (comma-separated, first) only change
    logging, so they are dropped; a missing or non-string option is ``on``.
    """
    opt = (options or {}).get("cpu-affinity", "on")
    if not isinstance(opt, str):
        return "on"
    while True:
        for prefix in ("dry-run", "verbose"):
            if opt.startswith(prefix):
                opt = opt[len(prefix):]
                if opt.startswith(","):
                    opt = opt[1:]
                break
        else:
            return opt


def cpu_affinity(rank, options=None):
    """Cores each local task of ``rank`` (a ``ShellRank``) is bound to.

    Returns one tuple of core ids per local task, in local id order, or
    ``None`` with ``cpu-affinity=off``.
    """
    opt = affinity_option(options)
    if opt == "off":
        return None
    if opt == "per-task":
        return distribute_tasks(rank.core_ids, rank.ntasks)
    if opt.startswith("map:"):
        return parse_cpuset_list(opt[4:], rank.ntasks)
    # "on" and any unrecognised value bind each task to the whole rank
    return [tuple(rank.core_ids)] * rank.ntasks
