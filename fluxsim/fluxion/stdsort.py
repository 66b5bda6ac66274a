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

>>> introsort([(1, "a"), (0, "b"), (1, "c")], lambda x, y: x[0] < y[0])
[(0, 'b'), (1, 'a'), (1, 'c')]
"""

__all__ = ["introsort", "THRESHOLD"]

#: Below this many elements the partitioning stops and insertion sort finishes.
THRESHOLD = 16


def introsort(items, less):
    """Sort the list ``items`` in place as ``std::sort(first, last, less)``; returns it."""
    n = len(items)
    if n > 1:
        _partition_loop(items, 0, n, 2 * (n.bit_length() - 1), less)
        _final_insertion(items, n, less)
    return items


def _median_to_first(a, result, i, j, k, less):
    """Move the median of a[i], a[j], a[k] to a[result]."""
    if less(a[i], a[j]):
        if less(a[j], a[k]):
            m = j
        elif less(a[i], a[k]):
            m = k
        else:
            m = i
    elif less(a[i], a[k]):
        m = i
    elif less(a[j], a[k]):
        m = k
    else:
        m = j
    a[result], a[m] = a[m], a[result]


def _unguarded_partition(a, lo, hi, pivot, less):
    while True:
        while less(a[lo], a[pivot]):
            lo += 1
        hi -= 1
        while less(a[pivot], a[hi]):
            hi -= 1
        if lo >= hi:
            return lo
        a[lo], a[hi] = a[hi], a[lo]
        lo += 1


def _partition_loop(a, lo, hi, depth, less):
    while hi - lo > THRESHOLD:
        if depth == 0:
            _heap_sort(a, lo, hi, less)
            return
        depth -= 1
        _median_to_first(a, lo, lo + 1, lo + (hi - lo) // 2, hi - 1, less)
        cut = _unguarded_partition(a, lo + 1, hi, lo, less)
        _partition_loop(a, cut, hi, depth, less)
        hi = cut


def _sift(h, hole, length, value, less):
    """Put ``value`` into the heap ``h`` at ``hole`` (std::__adjust_heap)."""
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(h[child], h[child - 1]):
            child -= 1
        h[hole] = h[child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        h[hole] = h[child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and less(h[parent], value):
        h[hole] = h[parent]
        hole = parent
        parent = (hole - 1) // 2
    h[hole] = value


def _heap_sort(a, lo, hi, less):
    h = a[lo:hi]
    length = len(h)
    for parent in range((length - 2) // 2, -1, -1):
        _sift(h, parent, length, h[parent], less)
    for last in range(length - 1, 0, -1):
        value = h[last]
        h[last] = h[0]
        _sift(h, 0, last, value, less)
    a[lo:hi] = h


def _linear_insert(a, i, less):
    value = a[i]
    j = i - 1
    while less(value, a[j]):
        a[i] = a[j]
        i = j
        j -= 1
    a[i] = value


def _insertion(a, lo, hi, less):
    for i in range(lo + 1, hi):
        if less(a[i], a[lo]):
            value = a[i]
            a[lo + 1:i + 1] = a[lo:i]
            a[lo] = value
        else:
            _linear_insert(a, i, less)


def _final_insertion(a, n, less):
    if n > THRESHOLD:
        _insertion(a, 0, THRESHOLD, less)
        for i in range(THRESHOLD, n):
            _linear_insert(a, i, less)
    else:
        _insertion(a, 0, n, less)
