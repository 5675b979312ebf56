"""Interchange: the spacecraft's trajectory in the formats other tools read.

- :mod:`sojourn.export.oem` — a CCSDS Orbit Ephemeris Message (CCSDS 502.0-B-2,
  KVN text), read by GMAT, STK, Orekit, FreeFlyer, NASA's Eyes and the ``oem``
  Python package.
- :mod:`sojourn.export.spk` — a SPICE SPK kernel (type 13, Hermite
  interpolation on unequal steps), read by every SPICE toolkit and by
  Cosmographia; written through spiceypy, the optional ``sojourn[spice]`` extra.

The verbs ``sj.export_oem`` (and :func:`sojourn.export.oem.oem_text`, the same
message as text) and ``sj.export_spk`` take a plan or a scenario. Both sample
:func:`sojourn.mission.trajectory.spacecraft_states`: the craft on its two
ballistic heliocentric legs (two-body Lambert arcs between impulsive burns).
Neither computes any trajectory of its own. Files are written atomically
(:func:`sojourn.io.atomic_path`), never over the scenario or the ephemeris
they are made from.
"""
