"""fluxsim's ``std::sort`` against libstdc++'s own, where a C++ compiler is at hand.

Fluxion breaks score ties by where ``std::sort`` leaves equal elements, so
:func:`fluxsim.fluxion.stdsort.introsort` must leave them where libstdc++
does, and its bounded form (``count``) must give the same first places.
"""

import random
import shutil
import subprocess

import pytest

from fluxsim.fluxion.stdsort import introsort

_PROGRAM = r"""
#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>
int main() {
    int arrays;
    if (scanf("%d", &arrays) != 1) return 1;
    while (arrays--) {
        int n;
        if (scanf("%d", &n) != 1) return 1;
        std::vector<std::pair<long, int>> v(n);
        for (int i = 0; i < n; i++) {
            if (scanf("%ld", &v[i].first) != 1) return 1;
            v[i].second = i;
        }
        std::sort(v.begin(), v.end(),
                  [](const std::pair<long, int> &a, const std::pair<long, int> &b) {
                      return a.first < b.first;
                  });
        for (int i = 0; i < n; i++) printf("%d ", v[i].second);
        printf("\n");
    }
    return 0;
}
"""


@pytest.fixture(scope="module")
def std_sort(tmp_path_factory):
    """Run libstdc++'s std::sort on lists of keys: the tags (input places) in sorted order."""
    compiler = shutil.which("g++")
    if compiler is None:
        pytest.skip("no g++ to build libstdc++'s std::sort with")
    where = tmp_path_factory.mktemp("stdsort")
    (where / "sort.cc").write_text(_PROGRAM)
    subprocess.run([compiler, "-O1", "-std=c++17", "-o", str(where / "sort"),
                    str(where / "sort.cc")], check=True)

    def run(arrays):
        text = f"{len(arrays)}\n" + "".join(
            f"{len(keys)} {' '.join(map(str, keys))}\n" for keys in arrays)
        out = subprocess.run([str(where / "sort")], input=text, capture_output=True,
                             text=True, check=True).stdout
        return [[int(tag) for tag in line.split()] for line in out.splitlines()]

    return run


def _arrays():
    rng = random.Random(20261130)
    arrays = []
    for n in (0, 1, 2, 15, 16, 17, 33, 100, 1000, 3000):
        arrays.append([rng.randrange(4) for _ in range(n)])  # ties everywhere
        arrays.append([rng.randrange(n * 4 + 1) for _ in range(n)])
        arrays.append(sorted(rng.randrange(50) for _ in range(n)))
        arrays.append(sorted((rng.randrange(50) for _ in range(n)), reverse=True))
        arrays.append([min(i, n - i) for i in range(n)])  # organ pipe
        arrays.append([5] * n)
    for _ in range(60):
        n = rng.randrange(17, 2500)
        arrays.append([rng.randrange(rng.choice((2, 14, 100))) for _ in range(n)])
    return arrays


def test_introsort_leaves_ties_where_libstdcxx_does(std_sort):
    arrays = _arrays()
    for keys, expected in zip(arrays, std_sort(arrays), strict=True):
        got = [tag for _key, tag in introsort([(key, tag) for tag, key in enumerate(keys)])]
        assert got == expected, f"{len(keys)} keys"


def test_bounded_introsort_gives_the_same_first_places(std_sort):
    rng = random.Random(7)
    arrays = _arrays()
    for keys, expected in zip(arrays, std_sort(arrays), strict=True):
        for count in {0, 1, 5, 16, 17, len(keys) // 2, rng.randrange(len(keys) + 1)}:
            items = introsort([(key, tag) for tag, key in enumerate(keys)], count)
            assert [tag for _key, tag in items[:count]] == expected[:count], (len(keys), count)
            assert sorted(tag for _key, tag in items) == list(range(len(keys)))
