"""The mission dossier: one self-contained HTML file that tells a mission whole.

:func:`write_dossier` plans a scenario (or takes a plan), gathers what the rest
of sojourn knows about it and writes one HTML file that opens anywhere with no
network: CSS inline, every chart a PNG (or SVG) inside a ``data:`` URI, no
external font, script or stylesheet. Its sections:

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
   installed sojourn has the feature (:mod:`sojourn.contingency.aborts`,
   :mod:`sojourn.crew.timeline`); otherwise the section says it is missing;
11. every assumption and its source.

The dossier draws results and computes nothing of its own: the plan from
:func:`~sojourn.mission.plan.plan_mission`, the grid from
:func:`~sojourn.transfer.porkchop.porkchop`, the charts from :mod:`sojourn.plot`.
It is written atomically (:func:`sojourn.io.atomic_path`). A tiny inline script,
run on load, counts the images that decoded into ``data-images-loaded`` and
``data-images-total`` on ``<body>``, so a headless browser can check the file.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import importlib.resources
import os
import string
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sojourn.errors import InputError, SojournError
from sojourn.results import utc_text
from sojourn.time import DAY, tdb_to_utc_iso

__all__ = ["Dossier", "DossierFigure", "build_dossier", "render_html", "write_dossier", "IMAGE_FORMATS"]

#: Half-width of the porkchop's launch axis around the plan's launch, days.
PORKCHOP_LAUNCH_DAYS = 45.0
#: Half-width of the porkchop's arrival axis around the plan's Mars arrival, days.
PORKCHOP_ARRIVAL_DAYS = 75.0
#: Image formats the charts can be embedded as.
IMAGE_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


@dataclass
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
    scenario : Scenario
    plan : Plan
    porkchop : xarray.Dataset
        The outbound grid around the plan's dates.
    porkchop_best : list of dict
        Its best transfers (:func:`~sojourn.transfer.porkchop.best_transfers`).
    aborts : AbortAnalysis or None
    crew : CrewTimeline or None
    missing : dict
        Feature name -> why it is not in the dossier.
    figures : dict of DossierFigure
    generated : str
        UTC date and time of writing.
    """

    scenario: object
    plan: object
    porkchop: object
    porkchop_best: list
    aborts: object = None
    crew: object = None
    missing: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    generated: str = ""


# --------------------------------------------------------------------------- gathering


def _now_utc() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        now = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    else:
        now = _dt.datetime.now(_dt.timezone.utc)
    return now.strftime("%Y-%m-%d %H:%M UTC")


def _optional(name: str, compute):
    """Run a section that a plan may not support: (result, None), or (None, why) when it refuses.

    Only a refusal the physics or the input explains (a :class:`SojournError`)
    is shown as such; a broken installation fails loudly rather than quietly
    dropping a section.
    """
    try:
        return compute(), None
    except SojournError as exc:
        return None, f"could not be computed: {exc}"


def _abort_analysis(scenario, plan, eph):
    from sojourn.contingency.aborts import abort_analysis

    return abort_analysis(scenario, plan, ephemeris=eph)


def _crew_timeline(plan, eph):
    from sojourn.crew.timeline import crew_timeline

    return crew_timeline(plan, ephemeris=eph)


def _outbound_porkchop(plan, eph):
    from sojourn.transfer.porkchop import best_transfers, porkchop

    leg = plan.legs[0]
    t_l, t_a = leg.t_depart, leg.t_arrive
    launch = f"{tdb_to_utc_iso(t_l - PORKCHOP_LAUNCH_DAYS * DAY)}:{tdb_to_utc_iso(t_l + PORKCHOP_LAUNCH_DAYS * DAY)}"
    arrive = f"{tdb_to_utc_iso(t_a - PORKCHOP_ARRIVAL_DAYS * DAY)}:{tdb_to_utc_iso(t_a + PORKCHOP_ARRIVAL_DAYS * DAY)}"
    ds = porkchop(leg.origin, leg.destination, launch, arrive, 1.0, ephemeris=eph)
    return ds, best_transfers(ds)


def build_dossier(scenario, *, plan=None, ephemeris=None, image_format: str = "png",
                  progress=None) -> Dossier:
    """Plan (unless given), analyse and draw everything a dossier shows.

    Parameters
    ----------
    scenario : Scenario
    plan : Plan, optional
        Default :func:`~sojourn.mission.plan.plan_mission` of ``scenario``.
    ephemeris : Ephemeris or str, optional
    image_format : {"png", "svg"}
        How the charts are embedded.
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).

    Returns
    -------
    Dossier

    Raises
    ------
    InputError
        An unknown image format.
    NoSolutionError
        The scenario has no feasible plan.
    """
    from sojourn.ephemeris import resolve_ephemeris
    from sojourn.progress import reporting

    fmt = str(image_format).lower()
    if fmt not in IMAGE_FORMATS:
        raise InputError(f"unknown image format '{image_format}': use {' or '.join(IMAGE_FORMATS)}", "--images")
    eph = resolve_ephemeris(ephemeris)
    with reporting(progress, 5, "dossier") as advance:
        if plan is None:
            from sojourn.mission.plan import plan_mission

            plan = plan_mission(scenario, ephemeris=eph)
        advance(1)
        ds, best = _outbound_porkchop(plan, eph)
        advance(1)
        d = Dossier(scenario=scenario, plan=plan, porkchop=ds, porkchop_best=best, generated=_now_utc())
        d.aborts, why = _optional("aborts", lambda: _abort_analysis(scenario, plan, eph))
        if why:
            d.missing["aborts"] = why
        advance(1)
        d.crew, why = _optional("crew", lambda: _crew_timeline(plan, eph))
        if why:
            d.missing["crew"] = why
        advance(1)
        d.figures = _draw_figures(d, eph, fmt)
        advance(1)
    return d


def _on_edge(ds, best: dict) -> bool:
    """True when a best transfer of a porkchop grid lies on the grid's first or last launch or arrival day."""
    edges = {str(ds.launch.values[0])[:10], str(ds.launch.values[-1])[:10],
             str(ds.arrival.values[0])[:10], str(ds.arrival.values[-1])[:10]}
    return str(best["launch"])[:10] in edges or str(best["arrival"])[:10] in edges


def _draw_figures(d: Dossier, eph, fmt: str) -> dict:
    """Every chart of the dossier, drawn by :mod:`sojourn.plot` and rendered in memory."""
    from sojourn import plot
    from sojourn.mission.plan import trajectory_samples
    from sojourn.plot import pareto, porkchop, timeline, trajectory
    from sojourn.plot.figure import figure_bytes

    plan = d.plan
    leg = plan.legs[0]
    figures: dict[str, DossierFigure] = {}
    mime = IMAGE_FORMATS[fmt]

    def draw(key, title, caption, make):
        figures[key] = DossierFigure(key, title, caption, mime, figure_bytes(make(), fmt))

    def porkchop_figure():
        chosen = {"launch": utc_text(leg.depart, "minute"), "arrival": utc_text(leg.arrive, "minute"), "c3": leg.c3,
                  "vinf_arrival": leg.vinf_arrival, "transfer_type": leg.transfer_type, "criterion": "this_plan"}
        # a "best" transfer on the grid's edge is only the edge of the window shown: listed, not marked
        inner = [b for b in d.porkchop_best if not _on_edge(d.porkchop, b)]
        return porkchop(d.porkchop, best=[*inner, chosen],
                        title=f"{plan.scenario_name}: the outbound opportunity around the plan's dates")

    draw("timeline", "Mission timeline",
         "Transits, the stay at Mars and every burn against the calendar (UTC).", lambda: timeline(plan))
    draw("trajectory", "The round trip seen from above the ecliptic",
         "Heliocentric paths in the ecliptic of J2000 (AU); Earth's and Mars' orbits over the mission.",
         lambda: trajectory(plan, trajectory_samples(plan, ephemeris=eph)))
    draw("porkchop", "Outbound porkchop",
         f"Launch C3 (blue), arrival v∞ (red) and time of flight (grey) for launches within "
         f"{PORKCHOP_LAUNCH_DAYS:g} days and arrivals within {PORKCHOP_ARRIVAL_DAYS:g} days of the plan's, "
         f"every day; the plan is marked \"this plan\" (a black dot). Least-C3 transfers are starred; a "
         f"best transfer on the grid's edge is listed below, not marked.", porkchop_figure)
    if plan.pareto or plan.alternatives:
        draw("pareto", "Total Δv against mission length",
             "The Pareto front of the round-trip search; the chosen plan is starred.", lambda: pareto(plan))
    if d.aborts is not None:
        draw("aborts", "Ways home from each day of the transits",
             "Cheapest direct return and Mars swing-by against the Δv left; shaded days have no "
             "affordable way home.", lambda: plot.aborts(d.aborts))
    if d.crew is not None:
        draw("dose", "Radiation dose", "Career dose equivalent day by day against the career limit.",
             lambda: plot.dose(d.crew))
        draw("comms", "Light time and blackouts",
             "One-way light time to Earth and the solar-conjunction blackouts.", lambda: plot.light_time(d.crew))
    return figures


# --------------------------------------------------------------------------- HTML


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _f(x, digits=2, unit="") -> str:
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return _e(x)
    if not np.isfinite(v):
        return "—"
    return f"{v:,.{digits}f}{unit}"


def _date(text: str) -> str:
    """'2033-04-25T00:00' -> '2033-04-25 00:00'."""
    return str(text).replace("T", " ")


_OBJECTIVES = {"min_total_dv": "the least total Δv", "min_total_duration": "the shortest mission",
               "min_propellant": "the least propellant", "earliest_return": "the earliest return"}


def _objective(plan) -> str:
    return _OBJECTIVES.get(plan.objective, plan.objective.replace("_", " "))


def _initials(name: str) -> str:
    parts = [p for p in str(name).split() if p[:1].isalpha()]
    return "".join(p[0] for p in (parts[:1] + parts[-1:] if len(parts) > 1 else parts)).upper() or "?"


_NUM = ' class="n"'


def _table(head, rows, numeric=(), foot=None) -> str:
    numeric = set(numeric)

    def cells(row, tag):
        return "".join(f"<{tag}{_NUM if i in numeric else ''}>{c}</{tag}>" for i, c in enumerate(row))

    out = ["<table>", "<thead><tr>", cells([_e(h) for h in head], "th"), "</tr></thead><tbody>"]
    out += [f"<tr>{cells(r, 'td')}</tr>" for r in rows]
    out.append("</tbody>")
    if foot:
        out.append(f"<tfoot><tr>{cells(foot, 'td')}</tr></tfoot>")
    out.append("</table>")
    return "".join(out)


def _figure(d: Dossier, key: str) -> str:
    fig = d.figures.get(key)
    if fig is None:
        why = d.missing.get(key)
        return f'<div class="callout info">{_e(_fig_title(key))}: {_e(why or "not drawn")}.</div>'
    return (f'<figure><img src="{fig.data_uri()}" alt="{_e(fig.title)}" loading="eager">'
            f"<figcaption>{_e(fig.caption)}</figcaption></figure>")


def _fig_title(key: str) -> str:
    return {"timeline": "Timeline chart", "trajectory": "Trajectory chart", "porkchop": "Porkchop",
            "pareto": "Pareto chart", "aborts": "Abort chart", "dose": "Dose chart",
            "comms": "Light-time chart"}.get(key, key)


class _Sections:
    """Numbered sections, in order."""

    def __init__(self):
        self.parts: list[str] = []

    def add(self, anchor: str, title: str, sub: str, body: str) -> None:
        n = len(self.parts) + 1
        self.parts.append(
            f'<section class="panel" id="{anchor}"><h2><span class="num">{n:02d}</span>{_e(title)}</h2>'
            f'<p class="sub">{sub}</p>{body}</section>')


def _card(label: str, value: str, note: str = "", tone: str = "") -> str:
    return (f'<div class="card {tone}"><div class="label">{_e(label)}</div><div class="value">{value}</div>'
            f'<div class="note">{note}</div></div>')


def render_html(d: Dossier) -> str:
    """The dossier as one HTML document (str)."""
    import sojourn

    sc, plan = d.scenario, d.plan
    out_leg, ret_leg = plan.legs
    origin, dest = out_leg.origin.capitalize(), out_leg.destination.capitalize()
    budget = plan.budget.to_dict()
    s = _Sections()

    # ---- at a glance
    cards = [
        _card("Launch", _e(utc_text(out_leg.depart, 'minute')[:10]), f"{_e(utc_text(out_leg.depart, 'minute')[11:])} UTC from {_e(origin)}"),
        _card("Home again", _e(utc_text(ret_leg.arrive, 'minute')[:10]), f"{_e(utc_text(ret_leg.arrive, 'minute')[11:])} UTC at {_e(origin)}"),
        _card("Mission length", f"{plan.total_days:,.0f} <small>days</small>",
              f"{out_leg.tof_days:.0f} out · {plan.stay_days:.0f} at {_e(dest)} · {ret_leg.tof_days:.0f} back"),
        _card("Total Δv", f"{plan.total_dv_kms:.2f} <small>km/s</small>", f"chosen for {_e(_objective(plan))}"),
    ]
    if budget.get("burns") and any(b.get("stage") for b in budget["burns"]):
        closes = budget.get("closes")
        cards.append(_card("Propellant", f"{budget['total_propellant_kg'] / 1000:,.1f} <small>t</small>",
                           "the vessel closes its budget" if closes
                           else f"runs out at {_e(budget.get('breaking_burn'))}",
                           "good" if closes else "bad"))
    else:
        cards.append(_card("Propellant", "—", "no vessel stages in the scenario"))
    cards.append(_card(f"{origin} entry speed" if sc.return_.mode == "entry" else "Return v∞",
                       f"{(ret_leg.entry_speed_kms if sc.return_.mode == 'entry' else ret_leg.vinf_arrival):.2f}"
                       " <small>km/s</small>",
                       f"at {sc.return_.entry_interface_altitude_km:g} km" if sc.return_.mode == "entry"
                       else "hyperbolic excess at return"))
    if d.crew is not None:
        summ = d.crew.summary()
        dose = summ["dose"]
        frac = dose["fraction_of_limit"]
        cards.append(_card("Crew dose", f"{dose['mission_msv']:,.0f} <small>mSv</small>",
                           f"{100 * frac:.0f} % of the {dose['career_limit_msv']:g} mSv career limit",
                           "bad" if dose["limit_crossed"] else ("warn" if frac > 0.8 else "good")))
        comms = summ["comms"]
        cards.append(_card("Longest blackout", f"{comms['longest_blackout_days']:.1f} <small>days</small>",
                           f"longest one-way delay {comms['longest_one_way_delay_min']:.1f} min"))
    else:
        cards.append(_card("Crew", f"{sc.crew.size}", "people aboard"))
    body = f'<div class="cards">{"".join(cards)}</div>'
    alerts = list(plan.warnings)
    if d.crew is not None:
        alerts += d.crew.warnings
    if d.aborts is not None:
        alerts += d.aborts.warnings
    for w in alerts:
        body += f'<div class="callout"><b>Warning:</b> {_e(w)}</div>'
    s.add("summary", "The mission at a glance",
          f"{_e(sc.mission.mission_class.capitalize())}-class round trip {_e(origin)} – {_e(dest)} – {_e(origin)}, "
          f"chosen for {_e(_objective(plan))} in the launch window "
          f"{_e(sc.windows.launch)}.", body)

    # ---- crew
    if sc.crew.members:
        items = "".join(f'<li><span class="badge">{_e(_initials(m.name))}</span><span><span class="who">'
                        f'{_e(m.name)}</span><br><span class="role">{_e(m.role)}</span></span></li>'
                        for m in sc.crew.members)
        s.add("crew", "Crew", f"{sc.crew.size} aboard"
              + (f" the {_e(sc.vessel.name)}" if sc.vessel is not None and sc.vessel.name else "") + ".",
              f'<ul class="crew">{items}</ul>')
    else:
        s.add("crew", "Crew", "The scenario names no crew.", "")

    # ---- timeline
    rows = [[f'<span class="d">{_e(_date(utc_text(e.date, "minute")))}</span>', _e(e.name)] for e in plan.events]
    s.add("timeline", "Timeline", "Every event of the plan, UTC.",
          _figure(d, "timeline") + "<h3>Events</h3>" + _table(["date (UTC)", "event"], rows))

    # ---- trajectory and legs
    rows = []
    for name, leg in zip(("Outbound", "Return"), plan.legs):
        rows.append([_e(name), f"{_e(leg.origin.capitalize())} → {_e(leg.destination.capitalize())}",
                     f'<span class="d">{_e(_date(utc_text(leg.depart, "minute")))}</span>',
                     f'<span class="d">{_e(_date(utc_text(leg.arrive, "minute")))}</span>',
                     _f(leg.tof_days, 1), _e(leg.transfer_type), _f(leg.c3, 2),
                     _f(leg.vinf_departure, 3), _f(leg.vinf_arrival, 3), _f(leg.dla_deg, 1),
                     _f(leg.entry_speed_kms, 2)])
    s.add("trajectory", "Trajectory",
          "Two ballistic heliocentric legs (zero-revolution Lambert arcs) joined by impulsive burns.",
          _figure(d, "trajectory") + "<h3>Legs</h3>"
          + _table(["leg", "route", "depart", "arrive", "days", "type", "C3 km²/s²", "v∞ dep km/s",
                    "v∞ arr km/s", "DLA °", "entry km/s"], rows, numeric=(4, 6, 7, 8, 9, 10)))

    # ---- Δv and propellant
    rows = []
    for b in plan.burns:
        rows.append([_e(b.label), f'<span class="d">{_e(_date(utc_text(b.date, "minute")))}</span>', _f(b.dv_kms, 3),
                     _e(b.stage or "—"), _f(b.propellant_kg, 0), _f(b.stage_left_kg, 0)])
    foot = ["Total", "", _f(plan.total_dv_kms, 3), "", _f(budget.get("total_propellant_kg"), 0), ""]
    body = _table(["burn", "date (UTC)", "Δv km/s", "stage", "propellant kg", "stage left kg"], rows,
                  numeric=(2, 4, 5), foot=foot)
    if sc.vessel is not None:
        v = sc.vessel
        srows = [[_e(st.name), _f(st.isp_s, 0), _f(st.dry_mass_kg, 0), _f(st.propellant_kg, 0),
                  _e(", ".join(st.burns)), _f((budget.get("margins_kg") or {}).get(st.name), 0)] for st in v.stages]
        body += (f"<h3>The vessel{(': ' + _e(v.name)) if v.name else ''}</h3>"
                 f"<p class=\"sub\">Payload carried through every burn: {v.payload_kg:,.0f} kg; "
                 f"initial mass {v.initial_mass_kg:,.0f} kg.</p>")
        if srows:
            body += _table(["stage", "Isp s", "dry kg", "propellant kg", "burns", "left at the end kg"], srows,
                           numeric=(1, 2, 3, 5))
    if budget and not budget.get("closes", True):
        body += (f'<div class="callout bad"><b>The budget does not close:</b> the {_e(budget.get("breaking_burn"))}'
                 " burn cannot be afforded.</div>")
    s.add("dv", "Δv and propellant", "Impulsive burns, rocket equation (g0 = 9.80665 m/s²).", body)

    # ---- porkchop
    pc = d.porkchop
    best_rows = []
    for b in d.porkchop_best:
        what = "least C3" if b["criterion"] == "min_c3" else "least arrival v∞"
        if _on_edge(pc, b):
            what += " (at the grid's edge)"
        best_rows.append([_e(b["transfer_type"]), _e(what), _e(b["launch"][:10]), _e(b["arrival"][:10]),
                          _f(b["tof_days"], 0), _f(b["c3"], 2), _f(b["vinf_arrival"], 2)])
    best_rows.append(["<b>" + _e(out_leg.transfer_type) + "</b>", "<b>this plan</b>",
                      _e(utc_text(out_leg.depart, "minute")[:10]), _e(utc_text(out_leg.arrive, "minute")[:10]), _f(out_leg.tof_days, 0),
                      _f(out_leg.c3, 2), _f(out_leg.vinf_arrival, 2)])
    s.add("porkchop", f"The outbound opportunity ({_e(origin)} → {_e(dest)})",
          f"{int(pc.status.size):,} launch–arrival pairs, one day apart, "
          f"{int((pc.status.values == 0).sum()):,} solved. The round-trip search may trade a little launch "
          "energy for a cheaper whole mission.",
          _figure(d, "porkchop")
          + _table(["type", "best by", "launch", "arrival", "TOF d", "C3 km²/s²", "v∞ arr km/s"], best_rows,
                   numeric=(4, 5, 6)))

    # ---- trade space
    if plan.alternatives or plan.pareto:
        rows = [[_e(a["launch"]), _e(a["mars_arrival"]), _e(a["mars_departure"]), _e(a["earth_arrival"]),
                 _f(a["stay_days"], 0), _f(a["total_days"], 0), _f(a["total_dv_kms"], 3)]
                for a in plan.alternatives]
        body = _figure(d, "pareto")
        if rows:
            body += "<h3>Runners-up</h3>" + _table(
                ["launch", f"{dest} arrival", f"{dest} departure", f"{origin} return", "stay d", "total d",
                 "Δv km/s"], rows, numeric=(4, 5, 6))
        s.add("trade", "Trade-offs", "What a shorter mission costs, and the next-best plans.", body)

    # ---- aborts
    if d.aborts is not None:
        cov = d.aborts.coverage()
        rows = []
        for leg in d.aborts.legs:
            c = cov[leg.leg]
            frac = c["fraction"]
            gap = (f"{c['longest_gap_days']:g} d ({_e(c['gap_start'][:10])} – {_e(c['gap_end'][:10])})"
                   if c.get("longest_gap_days") else "none")
            rows.append([_e(leg.leg.capitalize()), f"{c['covered_days']} of {c['total_days']}",
                         "—" if frac is None else f"{100 * frac:.0f} %", _f(leg.dv_left_kms, 2), gap])
        s.add("aborts", "Abort coverage",
              "For each day of each transit: can the crew still get home with the Δv left?",
              _figure(d, "aborts") + _table(["leg", "days covered", "coverage", "Δv left km/s", "longest gap"],
                                            rows, numeric=(2, 3)))
    else:
        s.add("aborts", "Abort coverage", "",
              f'<div class="callout info">Abort analysis {_e(d.missing.get("aborts", "not available"))}.</div>')

    # ---- crew dose and communications
    if d.crew is not None:
        summ = d.crew.summary()
        dose = summ["dose"]
        names = {"outbound": "Outbound transit", "mars": f"At {dest}", "return": "Return transit",
                 "solar_particle_events": "Solar particle events"}
        rows = [[_e(names.get(k, k.replace("_", " "))), _f(v, 1)] for k, v in dose["by_phase_msv"].items()]
        foot = ["Mission", _f(dose["mission_msv"], 1)]
        body = _figure(d, "dose") + _table(["phase", "dose equivalent mSv"], rows, numeric=(1,), foot=foot)
        if dose["limit_crossed"]:
            body += (f'<div class="callout bad"><b>Career limit crossed</b> on {_e(dose["limit_crossed_on"])}: '
                     f'{dose["career_total_msv"]:,.0f} mSv against {dose["career_limit_msv"]:g} mSv.</div>')
        s.add("dose", "Radiation", "Dose equivalent from Curiosity RAD's measured rates, phase by phase.", body)
        comms = summ["comms"]
        rows = [[_e(_date(b["start"])), _e(_date(b["end"])), _f(b["days"], 1), _f(b["min_angle_deg"], 2)]
                for b in comms["blackouts"]]
        body = _figure(d, "comms")
        body += _table(["blackout starts", "ends", "days", "least angle °"], rows, numeric=(2, 3)) if rows else \
            '<div class="callout info">No solar-conjunction blackout during the mission.</div>'
        lowest = comms.get("lowest_data_rate_bps")
        body += (f'<p class="sub" style="margin-top:12px">Farthest from Earth: {comms["farthest_distance_au"]:.2f} AU '
                 f'on {_e(comms["farthest_on"])}; longest one-way delay {comms["longest_one_way_delay_min"]:.1f} '
                 f'min; lowest downlink rate {_f(None if lowest is None else lowest / 1e6, 2)} Mbit/s.</p>')
        s.add("comms", "Communications",
              f"Sun–Earth–spacecraft angle below {comms['threshold_deg']:g}° is a blackout.", body)
    else:
        s.add("crew-health", "Radiation and communications", "",
              f'<div class="callout info">Crew model {_e(d.missing.get("crew", "not available"))}.</div>')

    # ---- assumptions and sources
    groups = [("Mission plan", list(plan.assumptions))]
    if d.aborts is not None:
        groups.append(("Aborts", list(d.aborts.assumptions)))
    if d.crew is not None:
        srcs = d.crew.settings.dose.to_json().get("sources", {})
        groups.append(("Crew dose and communications", list(d.crew.assumptions)
                       + [f"{k.replace('_', ' ')}: {v}" for k, v in srcs.items()]
                       + [_link_text(d.crew.settings.link), _comms_sources(d.crew.settings)]))
    groups.append(("Porkchop", [f"ballistic Lambert transfers on a one-day grid, {pc.attrs.get('ephemeris', '')}, "
                                f"departure from the {pc.attrs.get('departure_point', 'planet centre')}"]))
    body = "".join(f"<h3>{_e(title)}</h3><ul class=\"plain\">{''.join(f'<li>{_e(x)}</li>' for x in items)}</ul>"
                   for title, items in groups if items)
    if d.missing:
        body += "<h3>Not in this dossier</h3><ul class=\"plain\">" + "".join(
            f"<li>{_e(k)}: {_e(v)}</li>" for k, v in d.missing.items()) + "</ul>"
    s.add("assumptions", "Assumptions and sources", "What the numbers above rest on.", body)

    desc = sc.mission.description or ""
    vessel = f" · vessel {sc.vessel.name}" if sc.vessel is not None and sc.vessel.name else ""
    masthead = (
        '<header class="masthead"><div class="wrap">'
        f'<p class="kicker">Mission dossier · {_e(sc.mission.mission_class)} class{_e(vessel)}</p>'
        f"<h1>{_e(sc.mission.name)}</h1>"
        + (f'<p class="lede">{_e(desc)}</p>' if desc else "")
        + '<p class="meta">'
        f"<span>Scenario {_e(Path(sc.source).name)} · sha256 {_e(sc.digest()[:12])}</span>"
        f"<span>Ephemeris {_e(plan.ephemeris)}</span>"
        f"<span>Written {_e(d.generated)} by sojourn {_e(sojourn.__version__)}</span></p>"
        "</div></header>"
    )
    footer = (f'<footer class="wrap">sojourn {_e(sojourn.__version__)} · {_e(sc.mission.name)} · '
              f"all dates UTC · positions heliocentric ICRF · this file is self-contained and needs no network."
              "</footer>")
    body_html = masthead + '<main class="wrap">' + "".join(s.parts) + "</main>" + footer
    template = string.Template(_template())
    return template.substitute(title=_e(f"{sc.mission.name} — mission dossier"), body=body_html,
                               generator=_e(f"sojourn {sojourn.__version__}"))


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


def _template() -> str:
    return (importlib.resources.files("sojourn.report") / "dossier.html").read_text(encoding="utf-8")


def write_dossier(scenario, path: str | os.PathLike, *, plan=None, ephemeris=None, image_format: str = "png",
                  progress=None) -> dict:
    """Build the dossier of a scenario and write it as one self-contained HTML file, atomically.

    Parameters
    ----------
    scenario : Scenario
    path : str or os.PathLike
        Output ``.html`` file; written to a temporary name and renamed, so a
        failure leaves no partial file (and an existing one untouched).
    plan : Plan, optional
    ephemeris : Ephemeris or str, optional
    image_format : {"png", "svg"}
    progress : callable, optional
        ``progress(done, total, label)`` as work proceeds (:mod:`sojourn.progress`).

    Returns
    -------
    dict
        ``path``, ``bytes``, ``scenario``, ``figures`` (keys),
        ``features`` (``aborts``, ``crew``: included or not) and ``missing``
        (feature -> why), ``generated``.
    """
    from sojourn.io import atomic_path

    final = Path(path)
    parent = final.parent if str(final.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"output directory does not exist: '{parent}'", str(final))
    d = build_dossier(scenario, plan=plan, ephemeris=ephemeris, image_format=image_format, progress=progress)
    text = render_html(d)
    with atomic_path(final) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return {
        "path": str(final),
        "bytes": len(text.encode("utf-8")),
        "scenario": d.plan.scenario_name,
        "figures": list(d.figures),
        "features": {"aborts": d.aborts is not None, "crew": d.crew is not None},
        "missing": d.missing,
        "generated": d.generated,
    }
