"""What the journey does to the crew aboard, and how well they can talk to Earth.

- :mod:`sojourn.onboard.dose` — radiation dose equivalent by mission phase (Curiosity
  RAD's cruise and Mars-surface rates), solar-cycle modulation, shielding, solar
  particle events, and the career limit (NASA-STD-3001).
- :mod:`sojourn.onboard.comms` — one-way light time, solar-conjunction blackouts
  (the Sun-observer-target angle below a threshold, 2 degrees by default) between
  any two bodies (``sj.comms``) or between the crew and Earth, a link budget
  (Friis) for the downlink data rate, and the Earth-received time of an event.
- :mod:`sojourn.onboard.clocks` — the crew's clocks: proper time along the flown
  trajectory (first post-Newtonian order) against a clock on Earth's geoid (TT).
- :mod:`sojourn.onboard.timeline` — the crew's day-by-day record of a planned round
  trip (``sj.crew``): dose, cumulative dose, light time, Sun-Earth-spacecraft
  angle, blackouts, data rate and distance as an xarray Dataset, with a summary
  of what weighs on them; and the crew model's settings, from an optional
  crew-config TOML file checked by pydantic models.
"""
