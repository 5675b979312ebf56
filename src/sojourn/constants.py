"""The one home of every physical and conventional constant sojourn uses, each with its source.

Bodies' GM values and radii live with the bodies (:mod:`sojourn.bodies`); everything
else is here, so that a number appears once and says where it comes from.
"""

from __future__ import annotations

import math

DAY = 86400.0
"""Seconds in a day (s): the SI day of 86 400 s that TDB counts."""

G0_MS2 = 9.80665
"""Standard acceleration of gravity (m/s²), 3rd CGPM (1901): converts a specific impulse in s
to an exhaust speed, ve = Isp · g0."""

SPEED_OF_LIGHT_KMS = 299792.458
"""Speed of light in vacuum (km/s), exact by the definition of the metre (17th CGPM, 1983)."""

AU_KM = 149597870.700
"""Astronomical unit (km), exact by IAU 2012 Resolution B2."""

OBLIQUITY_J2000_ARCSEC = 84381.406
"""Mean obliquity of the ecliptic at J2000.0 (arcsec), ε0 = 23.4392794° (IAU 2006 precession,
Capitaine et al. 2003, A&A 412:567). The IAU 1976 value, 84381.448″, differs by 0.042″."""

OBLIQUITY_J2000_RAD = math.radians(OBLIQUITY_J2000_ARCSEC / 3600.0)
"""The same obliquity, radians."""

MARS_SOL_DAYS = 1.0274912517
"""Mean solar day of Mars (sol) in days of 86 400 s (Allison & McEwen 2000, Planet. Space Sci. 48:215;
NASA GISS Mars24 algorithm, step C-2)."""

MARS_SOL_S = MARS_SOL_DAYS * DAY
"""The same sol in seconds: 88 775.244 s."""

ENTRY_INTERFACE_ALTITUDE_KM = 125.0
"""Altitude of the atmospheric entry interface (km), the convention for Earth (Apollo, Orion) and
used here for Mars too; a scenario may set its own."""
