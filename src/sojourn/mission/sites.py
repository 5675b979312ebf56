"""Places on Mars to land: well-known landing sites by name, with their sources.

Coordinates are **planetocentric latitude and east longitude** (degrees, east
positive, 0-360), the system of the IAU and of NASA's cartography since the Mars
Global Surveyor era (what Mars24 takes as west longitude is 360 minus these).
Sites of past landings give the lander's position as published; a plain
(Arcadia Planitia) gives the centre the IAU Gazetteer of Planetary Nomenclature
lists for it, a region some 1 000 km across rather than a point.

Names are looked up case-insensitively, with spaces, hyphens and underscores
alike, and a few aliases (the mission's name: ``perseverance`` is Jezero).
"""

from __future__ import annotations

from dataclasses import dataclass

from sojourn.errors import InputError

__all__ = ["SITES", "Site", "get_site", "site_names"]


@dataclass(frozen=True)
class Site:
    """A place on Mars.

    Attributes
    ----------
    name : str
        Canonical lowercase name, such as ``"jezero"``.
    title : str
        How to write it, such as ``"Jezero crater (Perseverance, Octavia E. Butler Landing)"``.
    latitude_deg : float
        Planetocentric latitude, degrees (north positive).
    east_longitude_deg : float
        Planetocentric longitude, degrees east (0-360).
    source : str
        Where the coordinates come from.
    """

    name: str
    title: str
    latitude_deg: float
    east_longitude_deg: float
    source: str

    def to_dict(self) -> dict:
        """Plain data: name, title, latitude_deg, east_longitude_deg, source."""
        return {"name": self.name, "title": self.title, "latitude_deg": self.latitude_deg,
                "east_longitude_deg": self.east_longitude_deg, "source": self.source}


_GISS_LANDERS = "NASA GISS Mars24 'Mars Landers' list (giss.nasa.gov/tools/mars24/help/landers.html)"

SITES: dict[str, Site] = {
    s.name: s
    for s in (
        Site("jezero", "Jezero crater (Perseverance, Octavia E. Butler Landing)", 18.44, 77.45,
             "NASA/JPL, Perseverance landing release, 2021-02-18: 18.44 N, 77.45 E"),
        Site("gale", "Gale crater (Curiosity, Bradbury Landing)", -4.5895, 137.4417,
             "NASA/JPL, 'Bradbury Landing' release, 2012-08-22: 4.5895 S, 137.4417 E "
             f"(137.44 E, 4.59 S in the {_GISS_LANDERS})"),
        Site("arcadia-planitia", "Arcadia Planitia (centre of the plain)", 47.0, 184.0,
             "IAU WGPSN Gazetteer of Planetary Nomenclature, Arcadia Planitia: centre 47 N, 176 W (184 E)"),
        Site("gusev", "Gusev crater (Spirit, Columbia Memorial Station)", -14.5718, 175.4785,
             "Spirit lander as located in HiRISE images (MRO), 14.5718 S, 175.4785 E"),
        Site("meridiani", "Meridiani Planum (Opportunity, Challenger Memorial Station)", -1.9462, 354.4734,
             "Opportunity lander in Eagle crater as located in HiRISE images (MRO), 1.9462 S, 354.4734 E"),
        Site("elysium", "Elysium Planitia (InSight)", 4.502384, 135.623447,
             "Golombek et al. 2020, Earth Space Sci. 7:e2020EA001248: lander at 4.502384 N, 135.623447 E"),
        Site("utopia", "Utopia Planitia (Zhurong)", 25.066, 109.925,
             "Liu, J. et al. 2022, Nature Astronomy 6:65: Zhurong landed at 25.066 N, 109.925 E"),
        Site("chryse", "Chryse Planitia (Viking 1, Thomas Mutch Memorial Station)", 22.27, 312.05,
             f"{_GISS_LANDERS}: Viking Lander 1 at 312.05 E, 22.27 N"),
    )
}
"""Every site sojourn knows, by canonical name."""

_ALIASES = {
    "perseverance": "jezero", "mars-2020": "jezero", "octavia-e.-butler-landing": "jezero",
    "curiosity": "gale", "msl": "gale", "bradbury-landing": "gale",
    "arcadia": "arcadia-planitia",
    "spirit": "gusev",
    "opportunity": "meridiani", "meridiani-planum": "meridiani",
    "insight": "elysium", "elysium-planitia": "elysium",
    "zhurong": "utopia", "utopia-planitia": "utopia", "tianwen-1": "utopia",
    "viking-1": "chryse", "chryse-planitia": "chryse",
}


def site_names() -> list[str]:
    """Canonical site names, in the order of :data:`SITES`."""
    return list(SITES)


def get_site(name: "str | Site", where: str | None = None) -> Site:
    """Look a landing site up by name, case-insensitively (a Site is returned as it is).

    Parameters
    ----------
    name : str
        A canonical name (:func:`site_names`) or an alias such as the mission's
        (``"Perseverance"``, ``"InSight"``, ``"Viking 1"``); case, spaces and
        underscores do not matter.
    where : str, optional
        Where the name came from (a parameter or scenario key), for the error.

    Returns
    -------
    Site

    Raises
    ------
    InputError
        An unknown name, listing the known ones.
    """
    if isinstance(name, Site):
        return name
    if not isinstance(name, str):
        raise InputError(f"a site is named by text, got {name!r}; known sites: {', '.join(SITES)}", where)
    key = "-".join(name.strip().lower().replace("_", " ").replace("-", " ").split())
    site = SITES.get(_ALIASES.get(key, key))
    if site is None:
        raise InputError(f"unknown site '{name}'; known sites: {', '.join(SITES)}", where)
    return site
