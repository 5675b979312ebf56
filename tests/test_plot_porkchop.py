"""Porkchop plot: formats, atomic writes, masking and the parts a reader looks for.

The Dataset here is synthetic: smooth analytic fields shaped like an Earth–Mars
opportunity (a type I and a type II lobe split by a ridge of high C3 along the
180° transfer line), laid out as the porkchop search contract describes. The
plot only draws results, so no ephemeris or Lambert solver is needed.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

import sojourn as sj
from sojourn.errors import InputError
from sojourn.plot import _porkchop as porkchop_module

_FIGURES: list = []


def plot_porkchop(ds, path, **kwargs):
    """Draw with ``sj.plot.porkchop`` and write with ``sj.plot.save``, as the CLI does; keep the figure."""
    fig = sj.plot.porkchop(ds, **kwargs)
    _FIGURES.append(fig)
    return sj.plot.save(fig, path)

LAUNCH0 = np.datetime64("2026-09-01T00:00", "ms")
ARRIVAL0 = np.datetime64("2027-04-01T00:00", "ms")


def synthetic_porkchop(n_launch: int = 60, n_arrival: int = 80) -> xr.Dataset:
    """A 60 × 80 grid: launch every 2.5 days from 2026-09-01, arrival every 5 days from 2027-04-01."""
    launch = LAUNCH0 + np.arange(n_launch) * np.timedelta64(60, "h")
    arrival = ARRIVAL0 + np.arange(n_arrival) * np.timedelta64(5, "D")
    day = np.timedelta64(1, "D")
    L = ((launch - LAUNCH0) / day)[:, None]  # days into the launch window
    tof = (arrival[None, :] - launch[:, None]) / day
    ridge = tof - (300.0 - 0.4 * (L - 75.0))  # < 0: type I, > 0: type II
    type_two = ridge > 0
    lobe_l = np.where(type_two, 60.0, 85.0)
    lobe_t = np.where(type_two, 345.0, 235.0)
    lobe_min = np.where(type_two, 9.1, 10.6)
    c3 = lobe_min + ((L - lobe_l) / 18.0) ** 2 + ((tof - lobe_t) / 45.0) ** 2 + 3000.0 / (ridge**2 + 25.0)
    vinf = (
        np.where(type_two, 2.57, 2.87)
        + ((L - lobe_l - 10.0) / 45.0) ** 2
        + ((tof - lobe_t + 20.0) / 80.0) ** 2
        + 400.0 / (ridge**2 + 60.0)
    )
    status = np.zeros(c3.shape, dtype=np.int8)
    status[tof < 150.0] = 1  # too short: no solution
    status[5:8, 40:43] = 2  # a patch that did not converge
    bad = status != 0

    def masked(a: np.ndarray) -> np.ndarray:
        return np.where(bad, np.nan, a)

    ttype = np.where(bad, "", np.where(type_two, "II", "I"))
    dims = ("launch", "arrival")
    return xr.Dataset(
        {
            "tof_days": (dims, masked(tof)),
            "c3_launch": (dims, masked(c3)),
            "vinf_departure": (dims, masked(np.sqrt(c3))),
            "vinf_arrival": (dims, masked(vinf)),
            "dla_deg": (dims, masked(np.full(c3.shape, 20.0))),
            "rla_deg": (dims, masked(np.full(c3.shape, 150.0))),
            "transfer_type": (dims, ttype),
            "status": (dims, status),
        },
        coords={"launch": launch, "arrival": arrival},
        attrs={"from_body": "Earth", "to_body": "Mars", "ephemeris": "de421.bsp", "center": "Sun"},
    )


def best_points(ds: xr.Dataset) -> list[dict]:
    """The minimum-C3 and minimum-arrival-v∞ cell of each transfer type, as the search reports them."""
    out = []
    for criterion, var in (("min_c3", "c3_launch"), ("min_vinf", "vinf_arrival")):
        for ttype in ("I", "II"):
            field = ds[var].where(ds["transfer_type"] == ttype).values
            i, j = np.unravel_index(int(np.nanargmin(field)), field.shape)
            out.append(
                {
                    "launch": ds["launch"].values[i],
                    "arrival": ds["arrival"].values[j],
                    "c3": float(ds["c3_launch"].values[i, j]),
                    "vinf_arrival": float(ds["vinf_arrival"].values[i, j]),
                    "transfer_type": ttype,
                    "criterion": criterion,
                }
            )
    return out


@pytest.fixture(scope="module")
def ds() -> xr.Dataset:
    return synthetic_porkchop()


@pytest.fixture
def captured():
    """The figures drawn by :func:`plot_porkchop` during one test."""
    _FIGURES.clear()
    return _FIGURES


@pytest.fixture(scope="module")
def drawn(ds):
    """One default plot of the synthetic grid with its best points: (figure, best points)."""
    best = best_points(ds)
    return sj.plot.porkchop(ds, best=best), best


MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-"}


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_writes_a_valid_file_in_each_format(ds, tmp_path, suffix):
    path = tmp_path / f"porkchop{suffix}"
    out = plot_porkchop(ds, path, best=best_points(ds))
    assert out == path
    data = path.read_bytes()
    assert len(data) > 20_000
    if suffix == ".svg":
        assert b"<svg" in data[:2000]
    else:
        assert data.startswith(MAGIC[suffix])
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind


def test_suffix_is_case_insensitive_and_accepts_str(ds, tmp_path):
    path = tmp_path / "PORKCHOP.PNG"
    assert plot_porkchop(ds, str(path)) == path
    assert path.read_bytes().startswith(MAGIC[".png"])


@pytest.mark.parametrize("name, suffix", [("p.jpg", ".jpg"), ("p.png.gz", ".gz"), ("porkchop", "")])
def test_unsupported_suffix_raises_and_writes_nothing(ds, tmp_path, name, suffix):
    path = tmp_path / name
    with pytest.raises(InputError) as err:
        plot_porkchop(ds, path)
    assert err.value.message == f"unsupported figure format '{suffix}': use .png, .svg or .pdf"
    assert err.value.where == str(path)
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_is_an_input_error(ds, tmp_path):
    with pytest.raises(InputError, match="output directory does not exist"):
        plot_porkchop(ds, tmp_path / "nowhere" / "p.png")


def test_failure_while_drawing_leaves_no_file(ds, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(porkchop_module, "_mark_best", boom)
    path = tmp_path / "p.png"
    with pytest.raises(RuntimeError, match="drawing failed"):
        plot_porkchop(ds, path, best=best_points(ds))
    assert list(tmp_path.iterdir()) == []


def test_failure_while_saving_leaves_no_partial_file_and_keeps_the_old_one(ds, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    path = tmp_path / "p.pdf"
    path.write_bytes(b"old figure")

    def half_written(self, fname, **kwargs):
        with open(fname, "wb") as f:
            f.write(b"%PDF-1.4 truncated")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", half_written)
    with pytest.raises(OSError, match="disk full"):
        plot_porkchop(ds, path)
    assert path.read_bytes() == b"old figure"
    assert [p.name for p in tmp_path.iterdir()] == ["p.pdf"]


def test_importing_the_module_does_not_import_matplotlib():
    code = (
        "import sys, sojourn.plot; "
        "sys.exit(1 if any(m == 'matplotlib' or m.startswith('matplotlib.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_savefig_gets_an_explicit_format(ds, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    seen = {}
    real = Figure.savefig

    def spy(self, fname, **kwargs):
        seen.update(kwargs)
        return real(self, fname, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    plot_porkchop(ds, tmp_path / "p.svg")
    assert seen["format"] == "svg"


def _texts(fig) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text)]


def test_title_legend_and_annotations(drawn):
    fig, best = drawn
    (ax,) = fig.axes
    assert "Earth to Mars" in fig.get_suptitle()
    assert "de421.bsp" in ax.get_title()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "launch C3, km²/s²" in legend
    assert "arrival v∞, km/s" in legend
    assert any(t.startswith("time of flight, days") for t in legend)
    assert {"minimum C3", "minimum arrival v∞", "no solution"} <= set(legend)
    texts = _texts(fig)
    c3_one, c3_two, vinf_one, vinf_two = best
    assert f"min C3 I: {c3_one['c3']:.1f}" in texts
    assert f"min C3 II: {c3_two['c3']:.1f}" in texts
    assert f"min v∞ I: {vinf_one['vinf_arrival']:.2f}" in texts
    assert f"min v∞ II: {vinf_two['vinf_arrival']:.2f}" in texts
    # contour labels survived the thinning, for each family
    assert any(t.endswith(" d") and t[:-2].isdigit() for t in texts)
    assert "10" in texts or "11" in texts
    assert any(t in texts for t in ("3.0", "3.5", "4.0"))
    assert ax.xaxis.get_label().get_text() == "Launch date (UTC)"
    assert ax.yaxis.get_label().get_text() == "Arrival date (UTC)"


def test_title_argument_replaces_the_first_line(ds, tmp_path, captured):
    plot_porkchop(ds, tmp_path / "p.png", title="2026 opportunity")
    assert captured[0].get_suptitle() == "2026 opportunity"
    assert "de421.bsp" in captured[0].axes[0].get_title()


def test_calendar_date_ticks(drawn):
    (ax,) = drawn[0].axes
    xt = [t.get_text() for t in ax.get_xticklabels()]
    yt = [t.get_text() for t in ax.get_yticklabels()]
    assert "Sep 01\n2026" in xt and "Jan 01\n2027" in xt
    assert 3 <= len(xt) <= 8 and 3 <= len(yt) <= 8
    assert all(t.split()[1] == "01" for t in yt)  # first of the month


def _contour_levels(fig, color: str) -> set[float]:
    from matplotlib.colors import to_hex
    from matplotlib.contour import ContourSet

    levels: set[float] = set()
    for cs in fig.axes[0].collections:
        if isinstance(cs, ContourSet) and to_hex(cs.get_edgecolor()[0]) == color:
            levels |= {float(v) for v, p in zip(cs.levels, cs.get_paths()) if len(p.vertices)}
    return levels


def test_c3_cap_limits_the_lines(ds, drawn, tmp_path, captured):
    plot_porkchop(ds, tmp_path / "b.png", c3_max=20.0)
    default, capped = (_contour_levels(fig, porkchop_module._C3_COLOR) for fig in (drawn[0], *captured))
    # four 1 km²/s² steps above the minimum (10.1), then the handbook ladder up to 60
    assert {11.0, 12.0, 13.0, 14.0, 16.0, 20.0, 40.0, 60.0} <= default and max(default) <= 60.0
    assert 12.0 in capped and max(capped) <= 20.0


def test_no_line_is_drawn_through_cells_without_a_solution(tmp_path, captured):
    ds = synthetic_porkchop()
    status = ds["status"].values.copy()
    status[:, 50:] = 1  # the top 30 arrival dates: no solution
    nan = status != 0
    ds = ds.assign(
        status=(ds["status"].dims, status),
        c3_launch=ds["c3_launch"].where(~nan),
        vinf_arrival=ds["vinf_arrival"].where(~nan),
    )
    plot_porkchop(ds, tmp_path / "p.png")
    from matplotlib.dates import date2num

    top = date2num(ds["arrival"].values[49])
    for color in (porkchop_module._C3_COLOR, porkchop_module._VINF_COLOR):
        from matplotlib.colors import to_hex
        from matplotlib.contour import ContourSet

        for cs in captured[0].axes[0].collections:
            if isinstance(cs, ContourSet) and to_hex(cs.get_edgecolor()[0]) == color:
                for p in cs.get_paths():
                    assert len(p.vertices) == 0 or p.vertices[:, 1].max() <= top + 1e-9


def test_best_points_accept_iso_strings_and_datetimes(ds, tmp_path, captured):
    best = [
        {"launch": "2026-10-20T00:00:00Z", "arrival": "2027-08-30", "c3": 9.5,
         "vinf_arrival": 2.7, "transfer_type": "II", "criterion": "min_c3"},
        {"launch": dt.datetime(2026, 11, 10, tzinfo=dt.timezone.utc), "arrival": dt.date(2027, 7, 1),
         "c3": 11.0, "vinf_arrival": 2.9, "transfer_type": "I", "criterion": "min_vinf"},
        # outside the grid: not drawn, not an error
        {"launch": "2030-01-01", "arrival": "2030-09-01", "c3": 8.0, "vinf_arrival": 2.5,
         "transfer_type": "I", "criterion": "min_c3"},
    ]
    plot_porkchop(ds, tmp_path / "p.png", best=best)
    texts = _texts(captured[0])
    assert "min C3 II: 9.5" in texts and "min v∞ I: 2.90" in texts
    assert "min C3 I: 8.0" not in texts


@pytest.mark.parametrize(
    "kwargs, where",
    [
        ({"c3_max": -5.0}, "c3_max"),
        ({"c3_max": float("nan")}, "c3_max"),
        ({"c3_max": "lots"}, "c3_max"),
        ({"best": [{"launch": "not a date", "arrival": "2027-08-01"}]}, "best[0].launch"),
        ({"best": [{"launch": "2026-10-01"}]}, "best[0]"),
    ],
)
def test_bad_arguments_are_input_errors(ds, tmp_path, kwargs, where):
    with pytest.raises(InputError) as err:
        plot_porkchop(ds, tmp_path / "p.png", **kwargs)
    assert err.value.where == where
    assert list(tmp_path.iterdir()) == []


def test_dataset_without_the_porkchop_layout_is_an_input_error(ds, tmp_path):
    with pytest.raises(InputError, match="lacks c3_launch"):
        plot_porkchop(ds.drop_vars("c3_launch"), tmp_path / "p.png")
    with pytest.raises(InputError, match="at least 2 launch"):
        plot_porkchop(ds.isel(launch=[0]), tmp_path / "p.png")
    assert list(tmp_path.iterdir()) == []


def test_grid_without_any_solution_still_plots(tmp_path, captured):
    ds = synthetic_porkchop(20, 30)
    nan = np.full(ds["c3_launch"].shape, np.nan)
    dims = ds["c3_launch"].dims
    ds = ds.assign(
        status=(dims, np.ones(nan.shape, dtype=np.int8)),
        c3_launch=(dims, nan),
        vinf_arrival=(dims, nan),
        transfer_type=(dims, np.full(nan.shape, "")),
    )
    ds.attrs = {}
    path = plot_porkchop(ds, tmp_path / "p.svg")
    assert b"<svg" in path.read_bytes()[:2000]
    assert "no transfer in this grid" in _texts(captured[0])


def test_cap_below_every_cell_says_so(ds, tmp_path, captured):
    plot_porkchop(ds, tmp_path / "p.png", c3_max=5.0)
    assert "no transfer under the C3 cap" in _texts(captured[0])


def test_descending_coordinates_plot_the_same_way(ds, drawn, tmp_path, captured):
    flipped = ds.isel(launch=slice(None, None, -1), arrival=slice(None, None, -1))
    plot_porkchop(flipped, tmp_path / "p.png")
    (ax,) = captured[0].axes
    assert ax.get_xlim() == drawn[0].axes[0].get_xlim()
    assert ax.get_ylim() == drawn[0].axes[0].get_ylim()


def test_draws_into_the_axes_it_is_given(ds):
    from sojourn.plot.figure import new_figure

    fig = new_figure((14, 6))
    left, right = fig.subplots(1, 2)
    assert sj.plot.porkchop(ds, ax=right, best=best_points(ds)) is fig
    assert right.has_data() and not left.has_data()
    assert "Earth to Mars" in right.get_title() and right.get_legend() is not None
    with pytest.raises(InputError, match="matplotlib Axes"):
        sj.plot.porkchop(ds, ax="the left one")
