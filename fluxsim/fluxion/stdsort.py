"""The order C++'s ``std::sort`` (GCC's libstdc++) leaves equal elements in.

Fluxion picks among candidates by sorting them with ``std::sort`` on their
scores, and takes the first ones.  ``std::sort`` is not stable: candidates
with equal scores (the same core id on different nodes under the ``high``
and ``low`` policies) come out in an order that only the algorithm itself
defines -- introsort (median-of-three quicksort, heapsort past a depth
limit) and a final insertion sort over runs of 16.  To place jobs where
Fluxion places them, :func:`introsort` performs the same steps.  With 16
elements or fewer it is an insertion sort, i.e. stable, and Python's own
``sorted`` gives the same order.

Items are sequences ordered by their first element (a score) with ``<``,
compared inline: Fluxion's comparisons are all of that form (a policy that
prefers high scores negates them).

Fluxion keeps only the first few candidates, and those are settled before
the sort is done: a partition leaves nothing on its right that is less than
anything on its left, and the final insertion sort moves an element only
past greater ones, so nothing crosses from a range that starts at or beyond
``count`` into the first ``count`` places.  ``introsort(items, count)``
skips the work on such ranges; its first ``count`` items are those of the
whole sort.

>>> introsort([(1, "a"), (0, "b"), (1, "c")])
[(0, 'b'), (1, 'a'), (1, 'c')]
"""

__all__ = ["introsort", "THRESHOLD"]

#: Below this many elements the partitioning stops and insertion sort finishes.
THRESHOLD = 16


def introsort(items, count=None):
    """Sort the list ``items`` in place as ``std::sort`` by ``item[0] <``; returns it.

    With ``count``, only the first ``count`` places are final (the rest are
    the same items in an order of no meaning).
    """
    n = len(items)
    bound = n if count is None else min(n, count)
    if n > 1:
        _partition_loop(items, 0, n, 2 * (n.bit_length() - 1), bound)
        _final_insertion(items, n, bound)
    return items


def _median_to_first(a, result, i, j, k):
    """Move the median of a[i], a[j], a[k] to a[result]."""
    x, y, z = a[i][0], a[j][0], a[k][0]
    if x < y:
        if y < z:
            m = j
        elif x < z:
            m = k
        else:
            m = i
    elif x < z:
        m = i
    elif y < z:
        m = k
    else:
        m = j
    a[result], a[m] = a[m], a[result]


def _unguarded_partition(a, lo, hi, pivot):
    key = a[pivot][0]  # the pivot stays where it is while the rest moves
    while True:
        while a[lo][0] < key:
            lo += 1
        hi -= 1
        while key < a[hi][0]:
            hi -= 1
        if lo >= hi:
            return lo
        a[lo], a[hi] = a[hi], a[lo]
        lo += 1


def _partition_loop(a, lo, hi, depth, bound):
    while hi - lo > THRESHOLD:
        if depth == 0:
            _heap_sort(a, lo, hi)
            return
        depth -= 1
        _median_to_first(a, lo, lo + 1, lo + (hi - lo) // 2, hi - 1)
        cut = _unguarded_partition(a, lo + 1, hi, lo)
        if cut < bound:
            _partition_loop(a, cut, hi, depth, bound)
        hi = cut


def _sift(h, hole, length, value):
    """Put ``value`` into the heap ``h`` at ``hole`` (std::__adjust_heap)."""
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if h[child][0] < h[child - 1][0]:
            child -= 1
        h[hole] = h[child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        h[hole] = h[child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    key = value[0]
    while hole > top and h[parent][0] < key:
        h[hole] = h[parent]
        hole = parent
        parent = (hole - 1) // 2
    h[hole] = value


def _heap_sort(a, lo, hi):
    h = a[lo:hi]
    length = len(h)
    for parent in range((length - 2) // 2, -1, -1):
        _sift(h, parent, length, h[parent])
    for last in range(length - 1, 0, -1):
        value = h[last]
        h[last] = h[0]
        _sift(h, 0, last, value)
    a[lo:hi] = h


def _linear_insert(a, i):
    value = a[i]
    key = value[0]
    j = i - 1
    while key < a[j][0]:
        a[i] = a[j]
        i = j
        j -= 1
    a[i] = value


def _insertion(a, lo, hi):
    for i in range(lo + 1, hi):
        if a[i][0] < a[lo][0]:
            value = a[i]
            a[lo + 1:i + 1] = a[lo:i]
            a[lo] = value
        else:
            _linear_insert(a, i)


def _final_insertion(a, n, bound):
    if n > THRESHOLD:
        _insertion(a, 0, THRESHOLD)
        # the range holding place bound-1 ends within THRESHOLD of it
        for i in range(THRESHOLD, min(n, bound + THRESHOLD)):
            _linear_insert(a, i)
    else:
        _insertion(a, 0, n)
