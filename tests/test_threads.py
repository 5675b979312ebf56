"""The serial and parallel compiled forms of each batched kernel are cached apart.

numba keys a function's disk cache by its name and line, not by its flags: two
forms of one function would share the cache, and the serial form would run the
parallel code (a thread-pool start per call) whenever the parallel one was
cached first. Each pair must therefore have its own cache index.
"""

from __future__ import annotations

import pytest

from sojourn.core import bplane, flyby, kepler, lambert, transfer_grid

PAIRS = [
    (lambert._lambert_serial, lambert._lambert_parallel),
    (kepler._propagate_serial, kepler._propagate_parallel),
    (transfer_grid._pairs_serial, transfer_grid._pairs_parallel),
    (bplane._bplane_serial, bplane._bplane_parallel),
    (flyby._powered_serial, flyby._powered_parallel),
    (flyby._full_serial, flyby._full_parallel),
    (flyby._outgoing_serial, flyby._outgoing_parallel),
]


@pytest.mark.parametrize("serial,parallel", PAIRS, ids=[p[0].py_func.__name__ for p in PAIRS])
def test_serial_and_parallel_forms_have_their_own_cache(serial, parallel):
    assert not serial.targetoptions.get("parallel")
    assert parallel.targetoptions.get("parallel")
    assert serial._cache._cache_file._index_name != parallel._cache._cache_file._index_name
    # the same loop underneath
    assert serial.py_func.__code__ is parallel.py_func.__code__
