"""The Sun, planets and Moon: NAIF ids, gravitational parameters and radii, with sources.

Gravitational parameters are those of the JPL DE440 ephemeris:
Park, R. S., Folkner, W. M., Williams, J. G. & Boggs, D. H. (2021), "The JPL
Planetary and Lunar Ephemerides DE440 and DE441", AJ 161:105, Table 8 (the
same numbers as the DE440 header constants GM1..GM9, GMB, GMS, EMRAT, in
au^3/day^2 with au = 149597870.700 km). For Mercury, Venus and Mars through
Pluto DE440 gives the GM of the whole planetary system (planet plus moons);
sojourn uses it for the planet, the right value seen from afar (Phobos and
Deimos add only 2e-8 to Mars's GM).

Radii are equatorial radii from the IAU Working Group on Cartographic
Coordinates and Rotational Elements: Archinal, B. A. et al. (2018), "Report
of the IAU Working Group on Cartographic Coordinates and Rotational
Elements: 2015", Celest Mech Dyn Astr 130:22 (Tables 4-6); the Sun's is the
IAU 2015 Resolution B3 nominal solar radius adopted there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import UnknownBodyError

_PARK = "Park et al. 2021, AJ 161:105 (DE440), Table 8"
_ARCHINAL = "Archinal et al. 2018, Celest Mech Dyn Astr 130:22 (IAU WGCCRE 2015), equatorial"

GM_SUN = 132712440041.279419
"""Heliocentric gravitational constant of DE440 (km^3/s^2); Park et al. 2021, Table 8."""


@dataclass(frozen=True)
class Body:
    """A solar-system body as sojourn knows it.

    Attributes
    ----------
    name : str
        Canonical lowercase name, such as ``"mars"``.
    naif_id : int
        NAIF id of the body centre (``499`` for Mars); for a barycentre, its id.
    barycenter_id : int
        NAIF id of the planet's system barycentre (``4`` for Mars); the same
        as ``naif_id`` for the Sun and for the Earth-Moon barycentre.
    gm_km3s2 : float
        Gravitational parameter GM (km^3/s^2).
    radius_km : float
        Equatorial radius (km); 0 for a barycentre.
    gm_source, radius_source : str
        Where the numbers come from.
    orbit_au : float or None
        Mean semi-major axis of the heliocentric orbit of the body's system (au), J2000 mean
        elements of Standish & Williams, "Approximate Positions of the Planets" (JPL SSD),
        Table 1; None for the Sun and the Moon.
    """

    name: str
    naif_id: int
    barycenter_id: int
    gm_km3s2: float
    radius_km: float
    gm_source: str = _PARK
    radius_source: str = _ARCHINAL
    orbit_au: float | None = None

    @property
    def source(self) -> str:
        """Both sources, in one line."""
        return f"GM: {self.gm_source}; radius: {self.radius_source}"

    @property
    def sphere_of_influence_km(self) -> float | None:
        """Laplace's sphere of influence about the Sun, a (GM / GM_sun)^(2/5), km, at the mean distance.

        Patched conics hold inside it: a parking or capture orbit must lie well within it. None
        for the Sun and the Moon.
        """
        from sojourn.constants import AU_KM

        if self.orbit_au is None:
            return None
        return sphere_of_influence_km(self, self.orbit_au * AU_KM)


def sphere_of_influence_km(body: "Body", distance_km: float) -> float:
    """Laplace's sphere of influence, d (GM / GM_sun)^(2/5), km, of a body ``distance_km`` from the Sun."""
    return distance_km * (body.gm_km3s2 / GM_SUN) ** 0.4


_GM_EARTH = 398600.435507  # DE440 GMB * EMRAT / (1 + EMRAT)
_GM_MOON = 4902.800118  # DE440 GMB / (1 + EMRAT)

BODIES: dict[str, Body] = {
    b.name: b
    for b in (
        Body("sun", 10, 10, GM_SUN, 695700.0),
        Body("mercury", 199, 1, 22031.868551, 2440.53, orbit_au=0.38709927),
        Body("venus", 299, 2, 324858.592, 6051.8, orbit_au=0.72333566),
        Body("earth", 399, 3, _GM_EARTH, 6378.1366, orbit_au=1.00000261),
        Body("moon", 301, 3, _GM_MOON, 1737.4, radius_source=_ARCHINAL.replace("equatorial", "mean")),
        Body(
            "earth-moon-barycenter", 3, 3, _GM_EARTH + _GM_MOON, 0.0,
            gm_source=_PARK + ", Earth + Moon (GMB)", radius_source="a point", orbit_au=1.00000261,
        ),
        Body("mars", 499, 4, 42828.375816, 3396.19, gm_source=_PARK + ", Mars system", orbit_au=1.52371034),
        Body("jupiter", 599, 5, 126712764.1, 71492.0, gm_source=_PARK + ", Jupiter system", orbit_au=5.20288700),
        Body("saturn", 699, 6, 37940584.8418, 60268.0, gm_source=_PARK + ", Saturn system", orbit_au=9.53667594),
        Body("uranus", 799, 7, 5794556.4, 25559.0, gm_source=_PARK + ", Uranus system", orbit_au=19.18916464),
        Body("neptune", 899, 8, 6836527.10058, 24764.0, gm_source=_PARK + ", Neptune system", orbit_au=30.06992276),
        Body("pluto", 999, 9, 975.5, 1188.3, gm_source=_PARK + ", Pluto system", orbit_au=39.48211675),
    )
}
"""Every body sojourn knows, by canonical name."""

_ALIASES = {
    "emb": "earth-moon-barycenter",
    "earth-moon barycenter": "earth-moon-barycenter",
    "earth_moon_barycenter": "earth-moon-barycenter",
}


def get_body(name: "str | Body", where: str | None = None) -> Body:
    """Look a body up by name, case-insensitively (a Body is returned as it is).

    Parameters
    ----------
    name : str
        ``sun``, ``mercury``, ``venus``, ``earth``, ``moon``,
        ``earth-moon-barycenter`` (or ``emb``, ``earth-moon barycenter``,
        ``earth_moon_barycenter``), ``mars``, ``jupiter``, ``saturn``,
        ``uranus``, ``neptune`` or ``pluto``.
    where : str, optional
        Where the name came from, for the error.

    Returns
    -------
    Body

    Raises
    ------
    UnknownBodyError
        A name not in the list.
    """
    if isinstance(name, Body):
        return name
    key = name.strip().lower() if isinstance(name, str) else name
    body = BODIES.get(_ALIASES.get(key, key))
    if body is None:
        raise UnknownBodyError(f"unknown body '{name}'; known bodies: {', '.join(BODIES)}", where)
    return body


# ---------------------------------------------------------------------------------------------
# Mars's north pole

MARS_POLE_SOURCE = ("Archinal et al. 2018, Celest Mech Dyn Astr 130:22 (IAU WGCCRE 2015), Table 2, "
                     "as NAIF's pck00011.tpc holds it (BODY499_POLE_RA/DEC, BODY499_NUT_PREC_RA/DEC, "
                     "BODY4_NUT_PREC_ANGLES)")
"""Where :func:`mars_north_pole` comes from."""
# (coefficient deg, angle at J2000 deg, angle rate deg per Julian century): sin terms of the right
# ascension, cos terms of the declination (the Kuchynka et al. 2014 model adopted by the IAU in 2015).
_MARS_POLE_RA = (317.269202, -0.10927547, (
    (0.000068, 198.991226, 19139.4819985),
    (0.000238, 226.292679, 38280.8511281),
    (0.000052, 249.663391, 57420.7251593),
    (0.000009, 266.183510, 76560.6367950),
    (0.419057, 79.398797, 0.5042615),
))
_MARS_POLE_DEC = (54.432516, -0.05827105, (
    (0.000051, 122.433576, 19139.9407476),
    (0.000141, 43.058401, 38280.8753272),
    (0.000031, 57.663379, 57420.7517205),
    (0.000005, 79.476401, 76560.6495004),
    (1.591274, 166.325722, 0.5042615),
))


def mars_north_pole(t_tdb) -> np.ndarray:
    """Unit vector of Mars's north rotation pole in the ICRF, by the IAU 2015 model.

    alpha0 = 317.269202 - 0.10927547 T + sum a_k sin(theta_k),
    delta0 = 54.432516 - 0.05827105 T + sum d_k cos(theta_k), T in Julian
    centuries of TDB from J2000 (Archinal et al. 2018, Table 2; the periodic
    terms of 0.42 and 1.59 degrees have a 71 000-year period and carry the pole
    to within 0.001 degrees of the older IAU 2009 value, 317.681, 52.887).

    Parameters
    ----------
    t_tdb : float or array_like
        TDB seconds past J2000 (s).

    Returns
    -------
    numpy.ndarray
        Unit vectors, shape ``t_tdb.shape + (3,)``.
    """
    centuries = np.asarray(t_tdb, dtype=np.float64) / (86400.0 * 36525.0)

    def angle(model, trig):
        value = model[0] + model[1] * centuries
        for coefficient, theta0, rate in model[2]:
            value = value + coefficient * trig(np.radians(theta0 + rate * centuries))
        return np.radians(value)

    ra = angle(_MARS_POLE_RA, np.sin)
    dec = angle(_MARS_POLE_DEC, np.cos)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)

