"""What the journey does to the crew, and how well they can talk to Earth.

- :mod:`sojourn.crew.dose` — radiation dose equivalent by mission phase (Curiosity
  RAD's cruise and Mars-surface rates), solar-cycle modulation, shielding, solar
  particle events, and the career limit (NASA-STD-3001).
- :mod:`sojourn.crew.comms` — one-way light time, solar-conjunction blackouts
  (the Sun-observer-target angle below a threshold, 2 degrees by default) between
  any two bodies or between the crew and Earth, a link budget (Friis) for the
  downlink data rate, and the Earth-received time of an event.
- :mod:`sojourn.crew.clocks` — the crew's clocks: proper time along the flown
  trajectory (first post-Newtonian order) against a clock on Earth's geoid (TT).
- :mod:`sojourn.crew.timeline` — the crew's day-by-day record of a planned round
  trip: dose, cumulative dose, light time, Sun-Earth-spacecraft angle, blackouts,
  data rate and distance, with a summary of what weighs on them; and the optional
  crew-model TOML file (``--crew-config``).
"""
