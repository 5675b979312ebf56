"""The mission dossier: one self-contained HTML file that tells a mission whole.

:func:`report` (``sj.report``) plans a scenario (or takes a plan), gathers what
the rest of sojourn knows about it and renders one HTML page that opens
anywhere with no network: CSS inline, every chart an SVG (or PNG) inside a
``data:`` URI, no external font, script or stylesheet. Its sections:

1. the mission at a glance: dates, length, total Δv, propellant, entry speed,
   crew dose and the longest blackout, with the plan's warnings;
2. the crew and their roles;
3. the timeline (chart and table of events);
4. the trajectory (chart and the two legs);
5. Δv and propellant, burn by burn and stage by stage;
6. the outbound opportunity: a porkchop of the launch and arrival dates around
   the plan's, with the plan marked;
7. the trade between total Δv and mission length (Pareto front, runners-up);
8. abort coverage, 9. radiation dose and 10. communications — each where the
   plan supports it (:mod:`sojourn.contingency.aborts`, :func:`sojourn.onboard`);
   otherwise the section says why it is missing;
11. time on Mars at the landing site (when the scenario names one) and the
   crew's clocks against Earth's;
12. every assumption and its source.

The Python side gathers results and turns them into plain data (sections of
blocks: cards, tables, figures, callouts); the page is the Jinja2 template
``dossier.html.j2`` beside this module, with autoescaping on. Nothing is
computed here that the library does not compute elsewhere: the plan from
:func:`sojourn.plan`, the grid from :func:`sojourn.porkchop`, the charts from
:mod:`sojourn.plot`. A tiny inline script, run on load, counts the images that
decoded into ``data-images-loaded`` and ``data-images-total`` on ``<body>``, so
a headless browser can check the file.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from sojourn.errors import SojournError
from sojourn.results import Result, utc_text
from sojourn.time import DAY, tdb_to_datetime

__all__ = ["IMAGE_FORMATS", "Dossier", "DossierFigure", "Report", "build_dossier", "render_html", "report"]

#: Half-width of the porkchop's launch axis around the plan's launch, days.
PORKCHOP_LAUNCH_DAYS = 45.0
#: Half-width of the porkchop's arrival axis around the plan's Mars arrival, days.
PORKCHOP_ARRIVAL_DAYS = 75.0
#: Image formats the charts can be embedded as.
IMAGE_FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
#: File suffixes a dossier is written to.
REPORT_SUFFIXES = (".html", ".htm")
TEMPLATE = "dossier.html.j2"


@dataclass(frozen=True)
class DossierFigure:
    """One embedded chart: its bytes and what to say under it."""

    key: str
    title: str
    caption: str
    mime: str
    data: bytes

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass
class Dossier:
    """Everything a dossier shows (results, not recomputed when rendered).

    Attributes
    ----------
    plan : Plan
        With its ``scenario``.
    porkchop : xarray.Dataset
        The outbound grid around the plan's dates.
    porkchop_best : list of dict
        Its best transfers (:func:`sojourn.best_transfers`).
    aborts : AbortAnalysis or None
    crew : CrewTimeline or None
    missing : dict
        Feature name -> why it is not in the dossier.
    figures : dict of DossierFigure
    generated : str
        UTC date and time of writing.
    """

    plan: Any
    porkchop: Any
    porkchop_best: list
    aborts: Any = None
    crew: Any = None
    missing: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    generated: str = ""

    @property
    def scenario(self):
        return self.plan.scenario


@dataclass(frozen=True, repr=False)
class Report(Result):
    """A rendered dossier: the HTML page and what it holds.

    Attributes
    ----------
    html : str
        The whole self-contained page.
    path : str or None
        Where it was written (None: not written).
    scenario_name : str
    figures : tuple of str
        The charts embedded (``timeline``, ``trajectory``, ``porkchop`` …).
    features : dict
        ``{"aborts": bool, "crew": bool}``: the sections the plan supports.
    missing : dict
        Feature -> why it is not in the dossier.
    generated : str
        When it was rendered, UTC.
    """

    html: str
    path: Optional[str]
    scenario_name: str
    figures: tuple
    features: dict
    missing: dict
    generated: str

    def to_dict(self) -> dict:
        return {"path": self.path, "bytes": len(self.html.encode("utf-8")), "scenario": self.scenario_name,
                "figures": list(self.figures), "features": dict(self.features), "missing": dict(self.missing),
                "generated": self.generated}

    def summary(self) -> list[tuple[str, str]]:
        return [("scenario", self.scenario_name), ("path", str(self.path)), ("figures", str(len(self.figures))),
                ("megabytes", f"{len(self.html.encode('utf-8')) / 1e6:.1f}")]

    def _repr_html_(self) -> str:
        """The dossier itself, in a frame (its styles stay inside)."""
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width:100%;height:900px;'
                f'border:1px solid #ddd"></iframe>')


# --------------------------------------------------------------------------- gathering


def _now_utc() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        now = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    else:
        now = _dt.datetime.now(_dt.timezone.utc)
    return now.strftime("%Y-%m-%d %H:%M UTC")


def _optional(compute):
    """Run a section that a plan may not support: (result, None), or (None, why) when it refuses.

    Only a refusal the physics or the input explains (a :class:`SojournError`)
    is shown as such; a broken installation fails loudly rather than quietly
    dropping a section.
    """
    try:
        return compute(), None
    except SojournError as exc:
        return None, f"could not be computed: {exc}"


def _abort_analysis(plan, eph):
    from sojourn.contingency.aborts import abort_analysis

    return abort_analysis(plan.scenario, plan, ephemeris=eph)


def _crew_timeline(plan, eph):
    import sojourn as sj

    return sj.crew(plan, ephemeris=eph)


def _outbound_porkchop(plan, eph):
    import sojourn as sj

    leg = plan.legs[0].arcs[0]  # the first arc: the leg itself when it is direct
    t_l, t_a = leg.t_depart, leg.t_arrive
    launch = (t_l - PORKCHOP_LAUNCH_DAYS * DAY, t_l + PORKCHOP_LAUNCH_DAYS * DAY)
    arrive = (t_a - PORKCHOP_ARRIVAL_DAYS * DAY, t_a + PORKCHOP_ARRIVAL_DAYS * DAY)
    ds = sj.porkchop(leg.origin, leg.destination, _midnights(launch), _midnights(arrive), 1.0, ephemeris=eph)
    return ds, sj.best_transfers(ds)


def _midnights(span) -> str:
    """A window of whole UTC days around a span of TDB seconds, as ``START:END``."""
    from sojourn.time import tdb_to_utc_iso

    return f"{tdb_to_utc_iso(span[0])}:{tdb_to_utc_iso(span[1])}"


def build_dossier(plan, *, ephemeris=None, image_format: str = "svg", progress=None) -> Dossier:
    """Analyse and draw everything a dossier shows of a plan.

    Parameters
    ----------
    plan : Plan
        With its scenario (:func:`sojourn.plan`).
    ephemeris : Ephemeris or str, optional
    image_format : {"svg", "png"}
        How the charts are embedded.
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).

    Returns
    -------
    Dossier
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.progress import reporting

    fmt = _image_format(image_format)
    eph = resolve_ephemeris(ephemeris)
    with reporting(progress, 4, "dossier") as advance:
        ds, best = _outbound_porkchop(plan, eph)
        advance(1)
        d = Dossier(plan=plan, porkchop=ds, porkchop_best=best, generated=_now_utc())
        d.aborts, why = _optional(lambda: _abort_analysis(plan, eph))
        if why:
            d.missing["aborts"] = why
        advance(1)
        d.crew, why = _optional(lambda: _crew_timeline(plan, eph))
        if why:
            d.missing["crew"] = why
        advance(1)
        d.figures = _draw_figures(d, eph, fmt)
        advance(1)
    return d


def _image_format(image_format) -> str:
    from sojourn import checks

    return checks.choice(image_format, tuple(IMAGE_FORMATS), "image_format", "image format")


def _on_edge(ds, best: dict) -> bool:
    """True when a best transfer of a porkchop grid lies on the grid's first or last launch or arrival day."""
    edges = {str(ds.launch.values[0])[:10], str(ds.launch.values[-1])[:10],
             str(ds.arrival.values[0])[:10], str(ds.arrival.values[-1])[:10]}
    return str(best["launch"])[:10] in edges or str(best["arrival"])[:10] in edges


def _porkchop_figure(d: Dossier):
    import sojourn as sj

    plan, leg = d.plan, d.plan.legs[0].arcs[0]
    chosen = {"launch": utc_text(leg.depart, "minute"), "arrival": utc_text(leg.arrive, "minute"), "c3": leg.c3,
              "vinf_arrival": leg.vinf_arrival, "transfer_type": leg.transfer_type, "criterion": "this_plan"}
    # a "best" transfer on the grid's edge is only the edge of the window shown: listed, not marked
    inner = [b for b in d.porkchop_best if not _on_edge(d.porkchop, b)]
    return sj.plot.porkchop(d.porkchop, best=[*inner, chosen],
                            title=f"{plan.scenario_name}: the outbound opportunity around the plan's dates")


def _draw_figures(d: Dossier, eph, fmt: str) -> dict:
    """Every chart of the dossier, drawn by :mod:`sojourn.plot` and rendered in memory."""
    import sojourn as sj
    from sojourn.mission.plan import trajectory_samples
    from sojourn.plot.figure import figure_bytes

    plan, mime = d.plan, IMAGE_FORMATS[fmt]
    charts = [
        ("timeline", "Mission timeline", "Transits, the stay at Mars and every burn against the calendar (UTC).",
         lambda: sj.plot.timeline(plan)),
        ("trajectory", "The round trip seen from above the ecliptic",
         "Heliocentric paths in the ecliptic of J2000 (AU); Earth's and Mars' orbits over the mission.",
         lambda: sj.plot.trajectory(plan, trajectory_samples(plan, ephemeris=eph))),
        ("porkchop", "Outbound porkchop",
         f"Launch C3 (blue), arrival v∞ (red) and time of flight (grey) for launches within "
         f"{PORKCHOP_LAUNCH_DAYS:g} days and arrivals within {PORKCHOP_ARRIVAL_DAYS:g} days of the plan's, "
         f"every day; the plan is marked \"this plan\" (a black dot). Least-C3 transfers are starred; a "
         f"best transfer on the grid's edge is listed below, not marked.", lambda: _porkchop_figure(d)),
    ]
    for name, leg in zip(("outbound", "return"), plan.legs):
        if leg.lowthrust is not None:
            charts.append((f"lowthrust_{name}", f"The {name} leg's thrust",
                           "Thrust flown segment by segment against the thrust available, the mass, and the "
                           "verified path with its thrust arcs (orange) and thrust directions.",
                           lambda lt=leg.lowthrust: sj.plot.lowthrust(lt)))
    if plan.pareto or plan.alternatives:
        charts.append(("pareto", "Total Δv against mission length",
                       "The Pareto front of the round-trip search; the chosen plan is starred.",
                       lambda: sj.plot.pareto(plan)))
    if d.aborts is not None:
        charts.append(("aborts", "Ways home from each day of the transits",
                       "Cheapest direct return and Mars swing-by against the Δv left; shaded days have no "
                       "affordable way home.", lambda: sj.plot.aborts(d.aborts)))
    if d.crew is not None:
        charts.append(("dose", "Radiation dose", "Career dose equivalent day by day against the career limit.",
                       lambda: sj.plot.dose(d.crew)))
        charts.append(("comms", "Light time and blackouts",
                       "One-way light time to Earth and the solar-conjunction blackouts.",
                       lambda: sj.plot.light_time(d.crew)))
    return {key: DossierFigure(key, title, caption, mime, figure_bytes(make(), fmt))
            for key, title, caption, make in charts}


# --------------------------------------------------------------------------- plain data for the template


def _number_text(x, digits=2, unit="") -> str:
    """A number for a table: thousands separated, fixed digits; an em dash for None or NaN."""
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "—" if v != v or v in (float("inf"), float("-inf")) else f"{v:,.{digits}f}{unit}"


def _cell(text, cls: str = "", bold: bool = False) -> dict:
    return {"text": str(text), "cls": cls, "bold": bold}


def _n(x, digits=2) -> dict:
    return _cell(_number_text(x, digits), "n")


def _d(when, precision: str = "minute") -> dict:
    """A date cell (kept on one line): UTC text with a space for the T."""
    text = when if isinstance(when, str) else utc_text(when, precision)
    return _cell(str(text).replace("T", " "), "d")


def _table(head, rows, numeric=(), foot=None) -> dict:
    return {"kind": "table", "head": [_cell(h, "n" if i in numeric else "") for i, h in enumerate(head)],
            "rows": [[c if isinstance(c, dict) else _cell(c) for c in row] for row in rows],
            "foot": None if foot is None else [c if isinstance(c, dict) else _cell(c) for c in foot]}


def _figure(d: Dossier, key: str) -> dict:
    names = {"timeline": "Timeline chart", "trajectory": "Trajectory chart", "porkchop": "Porkchop",
             "pareto": "Pareto chart", "aborts": "Abort chart", "dose": "Dose chart", "comms": "Light-time chart"}
    return {"kind": "figure", "figure": d.figures.get(key), "name": names.get(key, key),
            "missing": d.missing.get(key, "not drawn")}


def _section(id_: str, title: str, sub: str, *blocks) -> dict:
    return {"id": id_, "title": title, "sub": sub, "blocks": [b for b in blocks if b]}


def _callout(text: str, tone: str = "", bold: str = "") -> dict:
    return {"kind": "callout", "text": text, "tone": tone, "bold": bold}


_OBJECTIVES = {"min_total_dv": "the least total Δv", "min_total_duration": "the shortest mission",
               "min_propellant": "the least propellant", "earliest_return": "the earliest return"}


def _objective(plan) -> str:
    return _OBJECTIVES.get(plan.objective, plan.objective.replace("_", " "))


def _initials(name: str) -> str:
    parts = [p for p in str(name).split() if p[:1].isalpha()]
    return "".join(p[0] for p in (parts[:1] + parts[-1:] if len(parts) > 1 else parts)).upper() or "?"


def _bodies(plan) -> tuple[str, str]:
    return plan.legs[0].origin.capitalize(), plan.legs[0].destination.capitalize()


# --------------------------------------------------------------------------- sections


def _card(label: str, value: str, note: str, unit: str = "", tone: str = "") -> dict:
    return {"label": label, "value": value, "unit": unit, "note": note, "tone": tone}


def _cards(d: Dossier) -> list:
    sc, plan = d.scenario, d.plan
    out_leg, ret_leg = plan.legs
    origin, dest = _bodies(plan)
    launch, home = utc_text(out_leg.depart, "minute"), utc_text(ret_leg.arrive, "minute")
    cards = [
        _card("Launch", launch[:10], f"{launch[11:]} UTC from {origin}"),
        _card("Home again", home[:10], f"{home[11:]} UTC at {origin}"),
        _card("Mission length", f"{plan.total_days:,.0f}",
              f"{out_leg.tof_days:.0f} out · {plan.stay_days:.0f} at {dest} · {ret_leg.tof_days:.0f} back", "days"),
        _card("Total Δv", f"{plan.total_dv_kms:.2f}", f"chosen for {_objective(plan)}", "km/s"),
    ]
    budget = plan.budget
    if budget is not None and any(b.stage for b in budget.burns):
        cards.append(_card("Propellant", f"{budget.total_propellant_kg / 1000:,.1f}",
                           "the vessel closes its budget" if budget.closes else f"runs out at {budget.breaking_burn}",
                           "t", "good" if budget.closes else "bad"))
    else:
        cards.append(_card("Propellant", "—", "no vessel stages in the scenario"))
    entry = sc.return_.mode == "entry"
    cards.append(_card(f"{origin} entry speed" if entry else "Return v∞",
                       f"{(ret_leg.entry_speed_kms if entry else ret_leg.vinf_arrival):.2f}",
                       f"at {sc.return_.entry_interface_altitude_km:g} km" if entry else "hyperbolic excess at return",
                       "km/s"))
    if d.crew is None:
        return cards + [_card("Crew", f"{sc.crew.size}", "people aboard")]
    overview = d.crew.overview()
    dose, comms = overview["dose"], overview["comms"]
    frac = dose["fraction_of_limit"]
    return cards + [
        _card("Crew dose", f"{dose['mission_msv']:,.0f}",
              f"{100 * frac:.0f} % of the {dose['career_limit_msv']:g} mSv career limit", "mSv",
              "bad" if dose["limit_crossed"] else ("warn" if frac > 0.8 else "good")),
        _card("Longest blackout", f"{comms['longest_blackout_days']:.1f}",
              f"longest one-way delay {comms['longest_one_way_delay_min']:.1f} min", "days"),
    ]


def _summary_section(d: Dossier) -> dict:
    sc, plan = d.scenario, d.plan
    origin, dest = _bodies(plan)
    alerts = list(plan.warnings) + list(d.crew.warnings if d.crew is not None else ())
    alerts += list(d.aborts.warnings if d.aborts is not None else ())
    return _section("summary", "The mission at a glance",
                    f"{sc.mission.mission_class.capitalize()}-class round trip {origin} – {dest} – {origin}, "
                    f"chosen for {_objective(plan)} in the launch window {sc.windows.launch}.",
                    {"kind": "cards", "cards": _cards(d)}, *(_callout(w, bold="Warning:") for w in alerts))


def _crew_section(d: Dossier) -> dict:
    sc = d.scenario
    if not sc.crew.members:
        return _section("crew", "Crew", "The scenario names no crew.")
    vessel = f" the {sc.vessel.name}" if sc.vessel is not None and sc.vessel.name else ""
    members = [{"initials": _initials(m.name), "name": m.name, "role": m.role} for m in sc.crew.members]
    return _section("crew", "Crew", f"{sc.crew.size} aboard{vessel}.", {"kind": "crew", "members": members})


def _timeline_section(d: Dossier) -> dict:
    mars = d.plan.surface is not None
    rows = [[_d(e.date), _d(e.received) if e.received else _cell("—"), e.name] + ([_mars_cell(e)] if mars else [])
            for e in d.plan.events]
    head = ["date (UTC)", "Earth hears (UTC)", "event"] + (["at the landing site"] if mars else [])
    return _section("timeline", "Timeline", "Every event of the plan, UTC, and when its signal reaches Earth.",
                    _figure(d, "timeline"), {"kind": "h3", "text": "Events"}, _table(head, rows))


def _mars_cell(e) -> dict:
    """An event's Mars time at the landing site: ``sol 0 · 14:09 LMST · Ls 323.3°`` (empty away from Mars)."""
    m = e.mars
    return _cell("" if m is None else f"sol {m.sol} · {m.lmst[:5]} LMST · Ls {m.ls_deg:.1f}°", "d")


def _mars_blocks(d: Dossier) -> list:
    """The stay in Mars time: cards, the events at Mars, the dust-storm season."""
    s = d.plan.surface
    if s is None:
        return []
    site, (lo, hi) = s.site, s.dust_storm_season_ls_deg
    cards = [
        _card("Landing, local time", s.landing.lmst[:5], f"LMST, sol 0 · Ls {s.landing.ls_deg:.1f}° · Mars year "
              f"{s.landing.mars_year}", "", "warn" if s.landing.dust_storm_season else "good"),
        _card("Ascent, local time", s.ascent.lmst[:5], f"LMST, sol {s.ascent.sol} · Ls {s.ascent.ls_deg:.1f}° · "
              f"Mars year {s.ascent.mars_year}", "", "warn" if s.ascent.dust_storm_season else "good"),
        _card("Surface stay", f"{s.stay_sols:,.1f}", f"{d.plan.stay_days:,.0f} Earth days", "sols"),
        _card("Sols in dust season", f"{s.sols_in_dust_season}", f"of {s.sols}, Ls {lo:g}–{hi:g}°", "sols"),
    ]
    rows = [[e.name, _d(e.date), _n(e.mars.sol, 0), _cell(e.mars.lmst, "d"), _cell(e.mars.ltst, "d"),
             _n(e.mars.ls_deg, 1), _n(e.mars.mars_year, 0), "yes" if e.mars.dust_storm_season else "no"]
            for e in d.plan.events if e.mars is not None]
    where = f"On Mars: {site.title}, {site.latitude_deg:g}° N {site.east_longitude_deg:g}° E"
    blocks = [{"kind": "h3", "text": where},
              {"kind": "cards", "cards": cards},
              _table(["event", "date (UTC)", "sol", "LMST", "LTST", "Ls °", "Mars year", "dust season"], rows,
                     numeric=(2, 5, 6)),
              {"kind": "para", "text": f"Daylight: {s.landing_daylight_hours:.1f} Mars hours on the landing sol, "
                                       f"{s.ascent_daylight_hours:.1f} on the ascent's, between "
                                       f"{s.min_daylight_hours:.1f} and {s.max_daylight_hours:.1f} over the stay. "
                                       f"A Mars hour is 1/24 sol (1.0275 h); the dust-storm season is Ls "
                                       f"{lo:g}–{hi:g}° ({s.season_source})."}]
    if s.in_season and s.dust_storm_season == "warn":
        blocks.append(_callout(f"the {' and the '.join(s.in_season)} fall{'s' if len(s.in_season) == 1 else ''} "
                               f"in the dust-storm season, when planet-encircling dust storms occur.", "",
                               "Dust-storm season:"))
    return blocks


def _clock_blocks(d: Dossier) -> list:
    clock = None if d.crew is None else d.crew.clock
    if clock is None:
        return []
    word = "ahead of" if clock.offset_s > 0 else "behind"
    return [{"kind": "h3", "text": "The crew's clocks"},
            _callout(clock.in_words(), "info", f"{abs(clock.offset_s):.3f} s {word} Earth's."),
            _table(["from", "to", "days", "offset s", "mean µs/day", "least µs/day", "most µs/day"],
                   [[_d(tdb_to_datetime(clock.t_start)), _d(tdb_to_datetime(clock.t_end)), _n(clock.days, 0),
                     _n(clock.offset_s, 4), _n(clock.mean_rate_us_per_day, 1), _n(clock.min_rate * DAY * 1e6, 1),
                     _n(clock.max_rate * DAY * 1e6, 1)]], numeric=(2, 3, 4, 5, 6))]


def _time_section(d: Dossier) -> Optional[dict]:
    """Time on Mars at the landing site, and the crew's clocks against Earth's."""
    blocks = [*_mars_blocks(d), *_clock_blocks(d)]
    if not blocks:
        return None
    return _section("time", "Time on Mars and aboard",
                    "Local solar time at the landing site (Mars24), and how far relativity moves the crew's clocks "
                    "from Earth's.", *blocks)


def _trajectory_section(d: Dossier) -> dict:
    rows = []
    for name, leg in zip(("Outbound", "Return"), d.plan.legs):
        for k, arc in enumerate(leg.arcs):  # a leg through a flyby: one row per arc
            label = name if len(leg.arcs) == 1 else f"{name} ({k + 1}/{len(leg.arcs)})"
            rows.append([label, f"{arc.origin.capitalize()} → {arc.destination.capitalize()}", _d(arc.depart),
                         _d(arc.arrive), _n(arc.tof_days, 1), arc.transfer_type, _n(arc.c3, 2),
                         _n(arc.vinf_departure, 3), _n(arc.vinf_arrival, 3), _n(arc.dla_deg, 1),
                         _n(arc.entry_speed_kms, 2)])
    flybys = d.plan.flybys
    if any(leg.lowthrust is not None for leg in d.plan.legs):
        text = ("Two low-thrust heliocentric legs (optimised, then verified by integrating their thrust) "
                "joined by impulsive burns.")
    else:
        text = ("Two ballistic heliocentric legs (zero-revolution Lambert arcs) joined by impulsive burns"
                + (f", {len(flybys)} of them through a flyby (an arc on each side)." if flybys else "."))
    blocks = [_figure(d, "trajectory"), {"kind": "h3", "text": "Legs"},
              _table(["leg", "route", "depart", "arrive", "days", "type", "C3 km²/s²", "v∞ dep km/s",
                      "v∞ arr km/s", "DLA °", "entry km/s"], rows, numeric=(4, 6, 7, 8, 9, 10))]
    if flybys:
        fb_rows = [[f.body.capitalize(), _d(f.date), _n(f.altitude_km, 0), _n(f.min_altitude_km, 0),
                    _n(0.5 * (f.vinf_in_kms + f.vinf_out_kms), 3), _n(f.turn_angle_deg, 1),
                    _n(f.max_turn_angle_deg, 1), _n(f.dv_kms, 3)] for f in flybys]
        blocks += [{"kind": "h3", "text": "Flybys"},
                   _table(["body", "periapsis (UTC)", "altitude km", "lowest km", "v∞ km/s", "turn °",
                           "reach °", "burn km/s"], fb_rows, numeric=(2, 3, 4, 5, 6, 7))]
    return _section("trajectory", "Trajectory", text, *blocks)


def _electric_section(d: Dossier) -> Optional[dict]:
    """The legs flown by electric propulsion: the engine, each leg's thrust and its verification."""
    legs = [(name, leg.lowthrust) for name, leg in zip(("Outbound", "Return"), d.plan.legs)
            if leg.lowthrust is not None]
    if not legs:
        return None
    e = d.scenario.vessel.electric
    rows = [[name, _n(lt.initial_mass_kg, 0), _n(lt.final_mass_kg, 0), _n(lt.propellant_kg, 0),
             _n(lt.delta_v_kms, 3), str(len(lt.thrust_arcs)), _n(lt.thrusting_days, 0), _n(lt.tof_days, 0),
             _n(lt.landing_error_km, 1), _n(lt.landing_error_ms, 4)] for name, lt in legs]
    law = "constant (nuclear-electric)" if e.power_law == "constant" else "1/r² beyond 1 AU (solar-electric)"
    text = (f"{e.name}: {e.thrust_n:g} N at a duty cycle of {e.duty_cycle:g}, Isp {e.isp_s:,.0f} s, thrust {law}; "
            f"{e.dry_mass_kg:,.0f} kg dry and {e.propellant_kg:,.0f} kg of propellant. Each leg is optimised for the "
            f"most final mass on the plan's dates ({legs[0][1].segments} segments) and verified by integrating "
            "its thrust history with DOP853 to its target.")
    blocks = [{"kind": "para", "text": text},
              _table(["leg", "start kg", "end kg", "propellant kg", "Δv km/s", "thrust arcs", "days thrusting",
                      "days", "lands km", "lands m/s"], rows, numeric=tuple(range(1, 10)))]
    blocks += [_figure(d, f"lowthrust_{name.lower()}") for name, _ in legs]
    return _section("electric", "Electric propulsion", "The heliocentric legs, flown low-thrust.", *blocks)


def _thrust_rows(d: Dossier) -> list:
    """Rows of the Δv table for the thrust arcs of the legs flown low-thrust (from the budget)."""
    if d.plan.budget is None:
        return []
    legs = {"outbound_thrust": d.plan.legs[0], "return_thrust": d.plan.legs[1]}
    return [[f"Thrust arcs, {u.name.split('_')[0]} leg (electric)", _d(legs[u.name].depart), _n(u.dv_kms, 3),
             u.stage or "—", _n(u.propellant_kg, 0), _n(u.stage_left_kg, 0)]
            for u in d.plan.budget.burns if u.name in legs and legs[u.name].lowthrust is not None]


def _vessel_blocks(d: Dossier) -> list:
    v, budget = d.scenario.vessel, d.plan.budget
    if v is None:
        return []
    margins = (budget.to_dict().get("margins_kg") or {}) if budget is not None else {}
    blocks = [{"kind": "h3", "text": f"The vessel{': ' + v.name if v.name else ''}"},
              {"kind": "para", "text": f"Payload carried through every burn: {v.payload_kg:,.0f} kg; "
                                       f"initial mass {v.initial_mass_kg:,.0f} kg."}]
    rows = [[st.name, _n(st.isp_s, 0), _n(st.dry_mass_kg, 0), _n(st.propellant_kg, 0), ", ".join(st.burns),
             _n(margins.get(st.name), 0)] for st in v.stages]
    e = v.electric
    if e is not None:
        rows.append([e.name, _n(e.isp_s, 0), _n(e.dry_mass_kg, 0), _n(e.propellant_kg, 0), "both legs' thrust arcs",
                     _n(margins.get(e.name), 0)])
    if rows:
        blocks.append(_table(["stage", "Isp s", "dry kg", "propellant kg", "burns", "left at the end kg"], rows,
                             numeric=(1, 2, 3, 5)))
    return blocks


def _dv_section(d: Dossier) -> dict:
    from sojourn.constants import G0_MS2

    plan, budget = d.plan, d.plan.budget
    rows = [[b.label, _d(b.date), _n(b.dv_kms, 3), b.stage or "—", _n(b.propellant_kg, 0), _n(b.stage_left_kg, 0)]
            for b in plan.burns]
    rows = sorted(rows + _thrust_rows(d), key=lambda row: row[1]["text"])  # thrust arcs after their departure
    total_kg = budget.total_propellant_kg if budget is not None else None
    foot = ["Total", "", _n(plan.total_dv_kms, 3), "", _n(total_kg, 0), ""]
    blocks = [_table(["burn", "date (UTC)", "Δv km/s", "stage", "propellant kg", "stage left kg"], rows,
                     numeric=(2, 4, 5), foot=foot), *_vessel_blocks(d)]
    if budget is not None and not budget.closes:
        blocks.append(_callout(f"the {budget.breaking_burn} burn cannot be afforded.", "bad",
                               "The budget does not close:"))
    what = "Impulsive burns and the electric legs' thrust arcs" if _thrust_rows(d) else "Impulsive burns"
    return _section("dv", "Δv and propellant", f"{what}, rocket equation (g0 = {G0_MS2:g} m/s²).", *blocks)


def _porkchop_section(d: Dossier) -> dict:
    pc, leg = d.porkchop, d.plan.legs[0].arcs[0]
    origin, dest = leg.origin.capitalize(), leg.destination.capitalize()
    rows = []
    for b in d.porkchop_best:
        what = "least C3" if b["criterion"] == "min_c3" else "least arrival v∞"
        what += " (at the grid's edge)" if _on_edge(pc, b) else ""
        rows.append([b["transfer_type"], what, _d(b["launch"][:10]), _d(b["arrival"][:10]), _n(b["tof_days"], 0),
                     _n(b["c3"], 2), _n(b["vinf_arrival"], 2)])
    rows.append([_cell(leg.transfer_type, bold=True), _cell("this plan", bold=True), _d(leg.depart, "date"),
                 _d(leg.arrive, "date"), _n(leg.tof_days, 0), _n(leg.c3, 2), _n(leg.vinf_arrival, 2)])
    return _section("porkchop", f"The outbound opportunity ({origin} → {dest})",
                    f"{int(pc.status.size):,} launch–arrival pairs, one day apart, "
                    f"{int((pc.status.values == 0).sum()):,} solved. The round-trip search may trade a little launch "
                    "energy for a cheaper whole mission.", _figure(d, "porkchop"),
                    _table(["type", "best by", "launch", "arrival", "TOF d", "C3 km²/s²", "v∞ arr km/s"], rows,
                           numeric=(4, 5, 6)))


def _alternative_row(a) -> list:
    r = a.to_dict()
    return [*(_d(r[k]) for k in ("launch", "mars_arrival", "mars_departure", "earth_arrival")),
            _n(a.stay_days, 0), _n(a.total_days, 0), _n(a.total_dv_kms, 3)]


def _trade_section(d: Dossier) -> Optional[dict]:
    plan = d.plan
    if not (plan.alternatives or plan.pareto):
        return None
    origin, dest = _bodies(plan)
    rows = [_alternative_row(a) for a in plan.alternatives]
    table = _table(["launch", f"{dest} arrival", f"{dest} departure", f"{origin} return", "stay d", "total d",
                    "Δv km/s"], rows, numeric=(4, 5, 6)) if rows else None
    return _section("trade", "Trade-offs", "What a shorter mission costs, and the next-best plans.",
                    _figure(d, "pareto"), rows and {"kind": "h3", "text": "Runners-up"}, table)


def _aborts_section(d: Dossier) -> dict:
    if d.aborts is None:
        return _section("aborts", "Abort coverage", "",
                        _callout(f"Abort analysis {d.missing.get('aborts', 'not available')}.", "info"))
    cov = d.aborts.coverage()
    rows = []
    for leg in d.aborts.legs:
        c = cov[leg.leg]
        gap = (f"{c['longest_gap_days']:g} d ({c['gap_start'][:10]} – {c['gap_end'][:10]})"
               if c.get("longest_gap_days") else "none")
        rows.append([leg.leg.capitalize(), f"{c['covered_days']} of {c['total_days']}",
                     _cell("—" if c["fraction"] is None else f"{100 * c['fraction']:.0f} %", "n"),
                     _n(leg.dv_left_kms, 2), gap])
    return _section("aborts", "Abort coverage",
                    "For each day of each transit: can the crew still get home with the Δv left?",
                    _figure(d, "aborts"),
                    _table(["leg", "days covered", "coverage", "Δv left km/s", "longest gap"], rows, numeric=(2, 3)))


def _health_sections(d: Dossier) -> list:
    if d.crew is None:
        return [_section("crew-health", "Radiation and communications", "",
                         _callout(f"Crew model {d.missing.get('crew', 'not available')}.", "info"))]
    summary = d.crew.overview()
    dose, comms = summary["dose"], summary["comms"]
    names = {"outbound": "Outbound transit", "mars": f"At {_bodies(d.plan)[1]}", "return": "Return transit",
             "solar_particle_events": "Solar particle events"}
    rows = [[names.get(k, k.replace("_", " ")), _n(v, 1)] for k, v in dose["by_phase_msv"].items()]
    crossed = dose["limit_crossed"] and _callout(
        f"on {dose['limit_crossed_on']}: {dose['career_total_msv']:,.0f} mSv against {dose['career_limit_msv']:g} mSv.",
        "bad", "Career limit crossed")
    blackouts = [[_d(b["start"]), _d(b["end"]), _n(b["days"], 1), _n(b["min_angle_deg"], 2)] for b in comms["blackouts"]]
    lowest = comms.get("lowest_data_rate_bps")
    return [
        _section("dose", "Radiation", "Dose equivalent from Curiosity RAD's measured rates, phase by phase.",
                 _figure(d, "dose"), _table(["phase", "dose equivalent mSv"], rows, numeric=(1,),
                                            foot=["Mission", _n(dose["mission_msv"], 1)]), crossed),
        _section("comms", "Communications",
                 f"Sun–Earth–spacecraft angle below {comms['threshold_deg']:g}° is a blackout.", _figure(d, "comms"),
                 _table(["blackout starts", "ends", "days", "least angle °"], blackouts, numeric=(2, 3)) if blackouts
                 else _callout("No solar-conjunction blackout during the mission.", "info"),
                 {"kind": "para", "text": f"Farthest from Earth: {comms['farthest_distance_au']:.2f} AU on "
                                          f"{comms['farthest_on']}; longest one-way delay "
                                          f"{comms['longest_one_way_delay_min']:.1f} min; lowest downlink rate "
                                          f"{_number_text(None if lowest is None else lowest / 1e6, 2)} Mbit/s."}),
    ]


def _link_text(link) -> str:
    return (f"downlink model: {link.transmit_power_w:g} W at {link.frequency_hz / 1e9:g} GHz from a "
            f"{link.transmit_diameter_m:g} m dish to a {link.receive_diameter_m:g} m ground antenna, "
            f"{link.system_noise_temperature_k:g} K system noise, Eb/N0 {link.required_ebn0_db:g} dB + "
            f"{link.margin_db:g} dB margin (Friis free-space link budget)")


def _comms_sources(settings) -> str:
    from sojourn.constants import SPEED_OF_LIGHT_KMS as c

    return (f"light time at c = {c:,.3f} km/s (exact, SI); blackout below a {settings.threshold_deg:g}° "
            "Sun–Earth–spacecraft angle: Mars missions stop commanding while the Sun–Earth–Mars angle is below "
            "about 2° at solar conjunction")


def _assumptions_section(d: Dossier) -> dict:
    pc = d.porkchop
    groups = [("Mission plan", list(d.plan.assumptions))]
    if d.aborts is not None:
        groups.append(("Aborts", list(d.aborts.assumptions)))
    if d.crew is not None:
        settings = d.crew.settings
        sources = settings.dose.to_dict()["sources"]
        groups.append(("Crew dose and communications", list(d.crew.assumptions)
                       + [f"{k.replace('_', ' ')}: {v}" for k, v in sources.items()]
                       + [_link_text(settings.link), _comms_sources(settings)]))
    groups.append(("Porkchop", [f"ballistic Lambert transfers on a one-day grid, {pc.attrs.get('ephemeris', '')}, "
                                f"departure from the {pc.attrs.get('departure_point', 'planet centre')}"]))
    if d.missing:
        groups.append(("Not in this dossier", [f"{k}: {v}" for k, v in d.missing.items()]))
    blocks = []
    for title, items in groups:
        if items:
            blocks += [{"kind": "h3", "text": title}, {"kind": "list", "items": items}]
    return _section("assumptions", "Assumptions and sources", "What the numbers above rest on.", *blocks)


def _context(d: Dossier) -> dict:
    """Everything the template shows, as plain data."""
    import sojourn

    sc, plan = d.scenario, d.plan
    vessel = f" · vessel {sc.vessel.name}" if sc.vessel is not None and sc.vessel.name else ""
    sections = [_summary_section(d), _crew_section(d), _timeline_section(d), _trajectory_section(d),
                _electric_section(d), _dv_section(d), _porkchop_section(d), _trade_section(d), _aborts_section(d),
                *_health_sections(d), _time_section(d), _assumptions_section(d)]
    return {
        "title": f"{sc.mission.name} — mission dossier",
        "generator": f"sojourn {sojourn.__version__}",
        "masthead": {"kicker": f"Mission dossier · {sc.mission.mission_class} class{vessel}", "name": sc.mission.name,
                     "description": sc.mission.description or "",
                     "meta": [f"Scenario {Path(sc.source).name} · sha256 {sc.digest()[:12]}",
                              f"Ephemeris {plan.ephemeris}",
                              f"Written {d.generated} by sojourn {sojourn.__version__}"]},
        "sections": [s for s in sections if s is not None],
        "footer": f"sojourn {sojourn.__version__} · {sc.mission.name} · all dates UTC · positions heliocentric ICRF · "
                  "this file is self-contained and needs no network.",
    }


def render_html(d: Dossier) -> str:
    """The dossier as one HTML document, from the Jinja2 template ``dossier.html.j2``."""
    import importlib.resources

    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.from_string((importlib.resources.files("sojourn.dossier") / TEMPLATE).read_text(encoding="utf-8"))
    return template.render(**_context(d))


# --------------------------------------------------------------------------- the verb


def report(plan_or_scenario, path=None, *, image_format: str = "svg", ephemeris=None, progress=None) -> Report:
    """The mission dossier: one self-contained HTML page of a plan, written to ``path`` when given.

    Parameters
    ----------
    plan_or_scenario : Plan, Scenario, str or os.PathLike
        A plan (:func:`sojourn.plan`), or a scenario (object or TOML file)
        whose best plan is searched first.
    path : str or os.PathLike, optional
        Write the page here (``.html`` or ``.htm``), atomically: to a temporary
        name, then renamed, so a failure leaves no partial file and an existing
        one untouched. None: write nothing.
    image_format : {"svg", "png"}
        How the charts are embedded (SVG: crisp and smaller).
    ephemeris : Ephemeris or str, optional
    progress : callable, optional
        ``progress(done, total, label)`` as the plan is searched and the
        dossier drawn (:mod:`sojourn.progress`).

    Returns
    -------
    Report
        ``html`` (the page), ``path``, ``figures``, ``features``, ``missing``;
        in Jupyter it shows the page itself.

    Raises
    ------
    InputError
        A bad image format or ``path`` (its suffix, a missing directory, or the
        scenario file or the ephemeris, refused before any work however spelt).
    ScenarioError, NoSolutionError
        A bad or infeasible scenario.

    Examples
    --------
    >>> import sojourn as sj
    >>> page = sj.report("examples/ulysses.toml")  # doctest: +SKIP
    >>> page.html.startswith("<!DOCTYPE html>"), page.features  # doctest: +SKIP
    (True, {'aborts': True, 'crew': True})
    """
    from sojourn import checks
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.io import atomic_path
    from sojourn.mission.plan import as_plan, input_paths
    from sojourn.progress import scaled

    fmt = _image_format(image_format)
    eph = resolve_ephemeris(ephemeris)
    if path is not None:
        checks.output_file(path, REPORT_SUFFIXES, "path")
        checks.distinct_outputs({"path": path}, input_paths(plan_or_scenario, eph))
    plan = as_plan(plan_or_scenario, ephemeris=eph, progress=scaled(progress, 0.0, 1.0, 2.0))
    d = build_dossier(plan, ephemeris=eph, image_format=fmt, progress=scaled(progress, 1.0, 1.0, 2.0))
    text = render_html(d)
    if path is not None:
        with atomic_path(Path(path)) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return Report(text, None if path is None else str(path), plan.scenario_name, tuple(d.figures),
                  {"aborts": d.aborts is not None, "crew": d.crew is not None}, dict(d.missing), d.generated)
