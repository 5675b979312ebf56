"""sojourn: plan, race and stress-test crewed missions between Earth and Mars.

Heavy modules (numba kernels, xarray, matplotlib) are imported lazily by the
functions that need them, so ``import sojourn`` and ``sojourn --help`` stay fast.
"""

__version__ = "0.1.0"
