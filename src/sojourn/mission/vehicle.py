"""The vessel's propellant: the rocket equation burn by burn, stage by stage.

A vessel is a payload (the crew vehicle, carried through every burn) and a
stack of stages; each stage performs the burns named in the scenario and is
dropped after its last one. The stack's mass before a burn is the payload plus
every stage not yet dropped (dry mass and the propellant it has left).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sojourn.results import Result


@dataclass(frozen=True)
class BurnUse(Result):
    """What one burn costs the vessel.

    Attributes
    ----------
    name : str
        Burn name (``earth_departure``, ``mars_arrival``, ``mars_departure``, ``earth_arrival``).
    dv_kms : float
        Velocity change, km/s.
    stage : str or None
        Stage that performs it (None when the vessel has no stages).
    mass_before_kg : float or None
        Stack mass before the burn, kg (None when the vessel has no stages: no mass is known).
    propellant_kg : float or None
        Propellant the burn uses, kg (rocket equation; None without stages).
    stage_left_kg : float or None
        Propellant the stage has left after the burn, kg (negative: it ran out; None without stages).
    """

    name: str
    dv_kms: float
    stage: str | None
    mass_before_kg: float | None
    propellant_kg: float | None
    stage_left_kg: float | None

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> list[tuple[str, str]]:
        return [("burn", self.name), ("dv_kms", f"{self.dv_kms:.3f}"), ("stage", str(self.stage))]


@dataclass(frozen=True)
class Budget(Result):
    """The propellant budget of a whole mission.

    Attributes
    ----------
    burns : tuple of BurnUse
        In flight order.
    breaking_burn : str or None
        The first burn the vessel cannot afford, if any.
    total_propellant_kg : float or None
        Propellant used by every burn, kg (None when the vessel has no stages).
    margins_kg : dict
        Propellant each stage has left after its last burn, kg.
    """

    burns: tuple
    breaking_burn: str | None
    total_propellant_kg: float | None
    margins_kg: dict

    @property
    def closes(self) -> bool:
        """True when every burn is affordable."""
        return self.breaking_burn is None

    def to_dict(self) -> dict:
        return {
            "burns": [b.to_dict() for b in self.burns],
            "breaking_burn": self.breaking_burn,
            "total_propellant_kg": self.total_propellant_kg,
            "margins_kg": self.margins_kg,
            "closes": self.closes,
        }

    def summary(self) -> list[tuple[str, str]]:
        total = "—" if self.total_propellant_kg is None else f"{self.total_propellant_kg:,.0f} kg"
        return [("propellant", total), ("closes", str(self.closes))]


def fly_burns(vessel, burns: list[tuple[str, float]]) -> Budget:
    """Apply the rocket equation to each burn in order.

    Parameters
    ----------
    vessel : sojourn.mission.scenario.Vessel or None
        Payload and stages (``name``, ``isp_s``, ``dry_mass_kg``,
        ``propellant_kg``, ``burns``). None or no stages: no accounting.
    burns : list of (str, float)
        Burn names and their Δv in km/s, in flight order.

    Returns
    -------
    Budget
    """
    from sojourn.core.rocket import propellant_for_dv

    stages = list(getattr(vessel, "stages", None) or [])
    if not stages:
        return Budget(tuple(BurnUse(n, dv, None, None, None, None) for n, dv in burns), None, None, {})
    left = {s.name: float(s.propellant_kg) for s in stages}
    last_burn = {}
    for s in stages:
        for b in s.burns:
            last_burn[b] = s.name
    attached = {s.name: s for s in stages}
    order = [n for n, _ in burns]
    uses, breaking, total = [], None, 0.0
    for name, dv in burns:
        stage = next((s for s in attached.values() if name in s.burns), None)
        mass = float(vessel.payload_kg) + sum(s.dry_mass_kg + left[s.name] for s in attached.values())
        if stage is None:
            if dv > 0.0 and breaking is None:
                breaking = name
            uses.append(BurnUse(name, dv, None, mass, 0.0, 0.0))
            continue
        prop = float(propellant_for_dv(mass, dv, stage.isp_s))
        left[stage.name] -= prop
        total += prop
        if left[stage.name] < 0.0 and breaking is None:
            breaking = name
        uses.append(BurnUse(name, dv, stage.name, mass, prop, left[stage.name]))
        remaining = [b for b in stage.burns if b in order[order.index(name) + 1:]]
        if not remaining:
            del attached[stage.name]  # spent: dropped before the next burn
    return Budget(tuple(uses), breaking, total, {s.name: left[s.name] for s in stages})
