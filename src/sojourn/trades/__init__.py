"""Trade studies: sweeps of whole mission scenarios, cut into tiles that run on Dask.

A study file (:mod:`sojourn.trades.study`) names a base scenario and what to vary:
launch opportunities, vehicles, parking orbits, stays, dispersions and an
optional fine porkchop grid. :mod:`sojourn.trades.tiles` cuts the sweep into
tiles with stable ids and computes one tile; :mod:`sojourn.trades.run` runs the
tiles on a ``dask.distributed`` cluster and streams each result into a store
(:mod:`sojourn.trades.store`: Parquet for tables, Zarr for grids) so that memory
stays bounded and an interrupted study resumes; :mod:`sojourn.trades.summary`
reads the store back.

Dask, Zarr and pyarrow are the optional ``dask`` extra (``pip install '.[dask]'``);
only :mod:`sojourn.trades.run` and :mod:`sojourn.trades.store` need them.
"""
