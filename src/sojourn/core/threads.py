"""When the batched kernels go parallel.

Starting numba's worker threads costs about a millisecond, far more than a
handful of Lambert solves, so small batches run on the calling thread.
"""

SERIAL_BELOW = 256
"""Batches with fewer elements than this run on one thread."""
