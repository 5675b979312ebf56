"""Trade studies: sweeps of whole mission scenarios, cut into tiles that run on Dask.

A study file (:mod:`sojourn.trade.study`) names a base scenario and what to vary:
launch opportunities, vehicles, parking orbits, stays, dispersions and an
optional fine porkchop grid. :mod:`sojourn.trade.tiles` cuts the sweep into
tiles with stable ids and computes one tile; :mod:`sojourn.trade.run` runs the
tiles on a ``dask.distributed`` cluster and streams each result into a store
(:mod:`sojourn.trade.store`: Parquet for tables, Zarr for grids) so that memory
stays bounded and an interrupted study resumes; :mod:`sojourn.trade.summary`
reads the store back.

Dask, Zarr and pyarrow are the optional ``dask`` extra (``pip install '.[dask]'``);
only :mod:`sojourn.trade.run` and :mod:`sojourn.trade.store` need them.
"""
