"""The order in which czmq's ``zhashx`` (flux-core's vendored copy) walks its string keys.

Flux answers some lists in the order of a hash table, not of its
configuration: ``job-manager.queue-list`` names the queues as the job
manager's ``zhashx`` of them walks (so ``flux queue status`` prints them in
that order).  The order follows from the keys and their insertion order
alone: czmq's modified Bernstein hash, a table of a prime number of buckets
that grows (by five steps in its list of primes) past 75% load or when a
chain gets too long, and each new key put at the head of its bucket::

    >>> order(["zeta", "alpha", "mid", "debug", "batch", "q1", "long"])
    ['debug', 'zeta', 'long', 'q1', 'alpha', 'mid', 'batch']
"""

__all__ = ["order"]

#: czmq's table sizes: every fifth of its primes (``zhash_primes.inc``), the ones a table
#: that starts at the first and grows five at a time can have.
_SIZES = (3, 17, 43, 103, 229, 487, 997, 2011, 4057, 8161, 16349, 32707, 65449, 131023,
          262111, 524243)
_MASK = (1 << 64) - 1  # size_t


def _hash(key):
    """czmq's ``s_bernstein_hash``: ``h = 33 * h ^ c`` over the key's (signed) chars."""
    value = 0
    for byte in key.encode():
        char = byte - 256 if byte > 127 else byte
        value = ((33 * value) ^ (char & _MASK)) & _MASK
    return value


def order(keys):
    """``keys`` (distinct strings, in insertion order) in ``zhashx_first/next`` order."""
    sizes = iter(_SIZES)
    buckets = [[] for _ in range(next(sizes))]
    chain_limit = 1

    def grow():
        nonlocal buckets, chain_limit
        old, buckets = buckets, [[] for _ in range(next(sizes))]
        for bucket in old:
            for key in bucket:  # walked head first, each put at the head of its new bucket
                buckets[_hash(key) % len(buckets)].insert(0, key)
        chain_limit += 1

    for size, key in enumerate(keys):
        if size >= len(buckets) * 75 // 100:
            grow()
        if len(buckets[_hash(key) % len(buckets)]) > chain_limit:
            grow()
        buckets[_hash(key) % len(buckets)].insert(0, key)
    return [key for bucket in buckets for key in bucket]
