"""What the journey does to the crew, and how well they can talk to Earth.

- :mod:`sojourn.onboard.dose` — radiation dose equivalent by mission phase (Curiosity
  RAD's cruise and Mars-surface rates), solar-cycle modulation, shielding, solar
  particle events, and the career limit (NASA-STD-3001).
- :mod:`sojourn.onboard.comms` — one-way light time, solar-conjunction blackouts
  (the Sun-observer-target angle below a threshold, 2 degrees by default) between
  any two bodies (``sj.comms``) or between the crew and Earth, and a link budget
  (Friis) for the downlink data rate.
- :mod:`sojourn.onboard.timeline` — the crew's day-by-day record of a planned round
  trip (``sj.crew``): dose, cumulative dose, light time, Sun-Earth-spacecraft
  angle, blackouts, data rate and distance as an xarray Dataset, with a summary
  of what weighs on them; and the crew model's settings, from an optional
  crew-config TOML file checked by pydantic models.

Import the modules by ``from sojourn.onboard import timeline``: ``sojourn.onboard``
is also the name of the verb ``sj.crew``.
"""
