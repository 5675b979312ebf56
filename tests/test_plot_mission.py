"""Mission plots: the trajectory seen from above the ecliptic, the timeline and the Pareto front.

One real plan (examples/ulysses.toml, DE421) is searched once for the module;
the plots only draw it. Checks: each format writes a valid file atomically, a
bad suffix or bad input raises InputError and leaves nothing, the frame
rotation puts Earth in the ecliptic, and each figure shows what its reader
looks for (dates, Δv, durations, event names) without labels on top of each
other.
"""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sojourn as sj
from sojourn.constants import AU_KM
from sojourn.errors import InputError
from sojourn.plot._trajectory import icrf_to_ecliptic

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-"}


@pytest.fixture(scope="module")
def mission(ulysses_plan):
    """(plan, samples) of the Ulysses example."""
    from sojourn.mission.plan import trajectory_samples

    return ulysses_plan, trajectory_samples(ulysses_plan)


@pytest.fixture(scope="module")
def drawn(mission):
    """The figures of the default trajectory, timeline and Pareto plots, by name."""
    plan, samples = mission
    return {"trajectory": sj.plot.trajectory(plan, samples), "timeline": sj.plot.timeline(plan),
            "pareto": sj.plot.pareto(plan)}


def _texts(fig) -> list:
    """Every visible text artist of a figure (titles, labels, annotations, legend)."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def _all_text(fig) -> str:
    return " ".join(" ".join(t.get_text().split()) for t in _texts(fig))


# --------------------------------------------------------------------------- files


KINDS = ("trajectory", "timeline", "pareto")


@pytest.mark.parametrize("kind, suffix", [
    *((k, s) for k in ("trajectory", "timeline") for s in (".png", ".svg", ".pdf")),
    ("pareto", ".svg"),
])
def test_plot_save_writes_a_valid_file_in_each_format(drawn, tmp_path, kind, suffix):
    path = tmp_path / f"{kind}{suffix}"
    out = sj.plot.save(drawn[kind], path)
    assert out == path and isinstance(out, Path)
    data = path.read_bytes()
    assert len(data) > 10_000
    if suffix == ".svg":
        assert b"<svg" in data[:2000]
    else:
        assert data.startswith(MAGIC[suffix])
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind


def test_plots_return_figures_and_write_nothing(mission, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    monkeypatch.chdir(tmp_path)
    plan, samples = mission
    for fig in (sj.plot.trajectory(plan, samples), sj.plot.timeline(plan), sj.plot.pareto(plan)):
        assert isinstance(fig, Figure)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["plot.jpg", "plot", "plot.png.txt"])
def test_unsupported_suffix_raises_and_writes_nothing(drawn, tmp_path, name):
    with pytest.raises(InputError, match="unsupported figure format"):
        sj.plot.save(drawn["pareto"], tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_is_an_input_error(drawn, tmp_path):
    with pytest.raises(InputError, match="output directory does not exist"):
        sj.plot.save(drawn["pareto"], tmp_path / "nowhere" / "plot.png")


def test_suffix_is_case_insensitive_and_accepts_str(drawn, tmp_path):
    out = sj.plot.save(drawn["pareto"], str(tmp_path / "pareto.PNG"))
    assert out.read_bytes().startswith(MAGIC[".png"])


@pytest.mark.parametrize("kind", KINDS)
def test_each_plot_draws_into_the_axes_it_is_given(mission, kind):
    from sojourn.plot.figure import new_figure

    plan, samples = mission
    fig = new_figure((16, 5))
    axes = fig.subplots(1, 2)
    args = (plan, samples) if kind == "trajectory" else (plan,)
    out = getattr(sj.plot, kind)(*args, ax=axes[1])
    assert out is fig
    assert axes[1].has_data() and not axes[0].has_data()
    assert "Ulysses" in axes[1].get_title()


def test_importing_the_modules_does_not_import_matplotlib():
    code = ("import sys, sojourn.plot; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- frame


def test_rotation_takes_the_ecliptic_pole_to_z():
    eps = math.radians(84381.406 / 3600.0)  # IAU 2006 mean obliquity of J2000 (Capitaine et al. 2003)
    pole_icrf = [0.0, -math.sin(eps), math.cos(eps)]
    np.testing.assert_allclose(icrf_to_ecliptic(pole_icrf), [0.0, 0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(icrf_to_ecliptic([1.0, 0.0, 0.0]), [1.0, 0.0, 0.0])  # the equinox stays
    v = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_allclose(np.linalg.norm(icrf_to_ecliptic(v), axis=1), np.linalg.norm(v, axis=1))


def test_earth_moves_in_the_ecliptic(mission):
    """An independent check of the rotation: DE421's Earth stays within ~20″ of the J2000 ecliptic."""
    _, samples = mission
    earth = icrf_to_ecliptic(samples["earth"]) / AU_KM
    assert np.abs(earth[:, 2]).max() < 5e-4  # AU; unrotated ICRF z reaches ~0.4 AU
    assert np.abs(samples["earth"][:, 2] / AU_KM).max() > 0.3


# --------------------------------------------------------------------------- trajectory


def test_trajectory_draws_the_samples_in_the_ecliptic(mission, drawn):
    """The legs drawn are the samples, rotated and in AU; nothing is recomputed."""
    _, samples = mission
    ax = drawn["trajectory"].axes[0]
    drawn_xy = [np.column_stack(line.get_data()) for line in ax.get_lines()]
    for leg in samples["legs"]:
        want = (icrf_to_ecliptic(leg) / AU_KM)[:, :2]
        assert any(a.shape == want.shape and np.allclose(a, want) for a in drawn_xy)
    assert ax.get_aspect() == 1.0
    assert ax.get_xlim() == ax.get_ylim()


def test_trajectory_titles_legend_and_event_labels(mission, drawn):
    plan, _ = mission
    fig = drawn["trajectory"]
    text = _all_text(fig)
    assert "Ulysses" in fig.get_suptitle()
    assert f"total Δv {plan.total_dv_kms:.2f} km/s" in text
    assert f"{plan.total_days:.0f} days" in text and f"{plan.stay_days:.0f} at Mars" in text
    for key, leg in (("depart", 0), ("arrive", 0), ("depart", 1), ("arrive", 1)):
        assert getattr(plan.legs[leg], key).strftime("%Y-%m-%d") in text
    for word in ("Launch", "Mars arrival", "Mars departure", "Earth return"):
        assert word in text
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "outbound, 280 d" in legend and "return, 280 d" in legend and "Sun" in legend
    assert "AU" in fig.axes[0].get_xlabel()


def _boxes_overlap(texts, renderer) -> list:
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    return [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:] if ba.overlaps(bb)]


def test_trajectory_labels_stay_apart_and_inside(drawn):
    fig = drawn["trajectory"]
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = list(ax.texts)
    assert len(labels) == 4
    assert _boxes_overlap(labels, renderer) == []
    frame = ax.get_window_extent(renderer)
    for t in labels:
        box = t.get_window_extent(renderer)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1


def test_title_argument_replaces_the_first_line(mission):
    plan, samples = mission
    figures = [sj.plot.trajectory(plan, samples, title="Ulysses, as flown"),
               sj.plot.timeline(plan, title="Ulysses, as flown")]
    assert [f.get_suptitle() for f in figures] == ["Ulysses, as flown"] * 2


@pytest.mark.parametrize("damage, match", [
    (lambda s: s.pop("mars"), "lack mars"),
    (lambda s: s.__setitem__("legs", s["legs"][:1]), "outbound and a return leg"),
    (lambda s: s.__setitem__("earth", s["earth"][:, :2]), "shape"),
    (lambda s: s["legs"][0].__setitem__((3, 1), np.nan), "non-finite"),
])
def test_malformed_samples_are_input_errors(mission, damage, match):
    plan, samples = mission
    bad = {k: (list(v) if k == "legs" else v) for k, v in samples.items()}
    bad["legs"] = [leg.copy() for leg in bad["legs"]]
    damage(bad)
    with pytest.raises(InputError, match=match):
        sj.plot.trajectory(plan, bad)


# --------------------------------------------------------------------------- timeline


def test_timeline_bars_span_the_phases(mission, drawn):
    from matplotlib.dates import date2num
    from matplotlib.patches import Rectangle

    plan, _ = mission
    ax = drawn["timeline"].axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 3
    widths = sorted((b.get_x(), b.get_width()) for b in bars)
    assert [round(w, 3) for _, w in widths] == [round(plan.legs[0].tof_days, 3),
                                                 round(plan.stay_days, 3),
                                                 round(plan.legs[1].tof_days, 3)]
    assert widths[0][0] == pytest.approx(date2num(plan.legs[0].depart))
    text = _all_text(drawn["timeline"])
    assert "280 days" in text and "372 days" in text
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Outbound", "At Mars", "Return"]


def test_timeline_marks_every_burn_and_event(mission, drawn):
    plan, _ = mission
    text = _all_text(drawn["timeline"])
    for burn in plan.burns:
        if burn.dv_kms > 0:
            assert f"{burn.dv_kms:.2f} km/s" in text
    assert "Earth entry, no burn" in text
    for event in plan.events:  # "Trans-Earth injection (Mars departure)" may be split in two lines
        for part in filter(None, re.split(r"\s*[()]\s*", event.name)):
            assert part.lower() in text.lower()
    for burn in plan.burns:
        assert burn.date.strftime("%Y-%m-%d") in text


def test_timeline_has_calendar_date_ticks(drawn):
    from matplotlib.dates import DateFormatter

    fig = drawn["timeline"]
    ax = fig.axes[0]
    assert isinstance(ax.xaxis.get_major_formatter(), DateFormatter)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert 4 <= len(labels) <= 13
    assert any("2034" in s for s in labels) and all(s.split("\n")[0] in (
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec") for s in labels)


def _marker_labels_overlap(fig) -> list:
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text() and t.get_color() != "white" and "days" not in t.get_text()]
    return _boxes_overlap(labels, renderer)


def test_timeline_labels_do_not_overlap(drawn):
    assert _marker_labels_overlap(drawn["timeline"]) == []


def _short_stay(plan, days: float):
    """The plan with everything from Mars departure on moved ``days`` earlier."""
    from sojourn.time import DAY

    shift = days * DAY
    t_dep = plan.legs[1].t_depart
    back = dataclasses.replace(plan.legs[1], t_depart=plan.legs[1].t_depart - shift,
                               t_arrive=plan.legs[1].t_arrive - shift)
    events = tuple(dataclasses.replace(e, t=e.t - shift) if e.t >= t_dep - 1.0 else e for e in plan.events)
    burns = tuple(dataclasses.replace(b, t=b.t - shift) if b.t >= t_dep - 1.0 else b for b in plan.burns)
    return dataclasses.replace(plan, legs=(plan.legs[0], back), events=events, burns=burns,
                               stay_days=plan.stay_days - days, total_days=plan.total_days - days)


def test_crowded_timeline_still_keeps_labels_apart(mission):
    """A 12-day stay puts two markers close together: their labels go to different lanes."""
    plan, _ = mission
    short = _short_stay(plan, plan.stay_days - 12.0)
    fig = sj.plot.timeline(short)
    assert _marker_labels_overlap(fig) == []
    assert "12 days" in _all_text(fig)


# --------------------------------------------------------------------------- Pareto


def test_pareto_marks_the_chosen_plan(mission, drawn):
    plan, _ = mission
    ax = drawn["pareto"].axes[0]
    stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
    assert len(stars) == 1
    x, y = stars[0].get_data()
    assert (x[0], y[0]) == pytest.approx((plan.total_days, plan.total_dv_kms))
    text = _all_text(drawn["pareto"])
    assert f"chosen: {plan.total_days:.0f} d, {plan.total_dv_kms:.2f} km/s" in text
    assert f"Pareto front ({len(plan.pareto)} round trips)" in text
    assert "Total Δv (km/s)" == ax.get_ylabel()


def test_pareto_without_a_front_still_plots(mission):
    plan, _ = mission
    fig = sj.plot.pareto(dataclasses.replace(plan, pareto=(), alternatives=()))
    assert "no Pareto front recorded" in _all_text(fig)
