"""UTC <-> TDB conversions, checked against skyfield and against known epochs."""

from datetime import datetime

import numpy as np
import pytest

from sojourn.errors import InputError
from sojourn.time import (
    DAY,
    datetime64_to_tdb,
    parse_utc,
    parse_window,
    tdb_to_datetime64,
    tdb_to_jd,
    tdb_to_jd_parts,
    tdb_to_utc_iso,
    utc_to_tdb,
)

skyfield_api = pytest.importorskip("skyfield.api")

# J2000 is 2000-01-01T12:00:00 TT; TT - UTC was 32.184 + 32 s then.
J2000_UTC = datetime(2000, 1, 1, 11, 58, 55, 816000)


@pytest.fixture(scope="module")
def ts():
    return skyfield_api.load.timescale(builtin=True)  # offline: skyfield's bundled leap seconds


@pytest.mark.parametrize(
    "utc",
    [
        (1975, 3, 4, 5, 6, 7.5),
        (2000, 1, 1, 12, 0, 0.0),
        (2005, 8, 10, 0, 0, 0.0),
        (2016, 12, 31, 23, 59, 59.0),
        (2017, 1, 1, 0, 0, 0.0),
        (2026, 9, 1, 12, 0, 0.0),
        (2033, 4, 15, 18, 30, 0.25),
    ],
)
def test_utc_to_tdb_matches_skyfield(ts, utc):
    st = ts.utc(*utc)
    expected = ((st.whole - 2451545.0) + st.tdb_fraction) * DAY
    assert abs(utc_to_tdb(*utc) - expected) < 1e-5


def test_vectorised_utc_to_tdb_matches_skyfield(ts):
    days = np.arange(1, 29)
    st = ts.utc(2031, 2, days, 6)
    expected = ((st.whole - 2451545.0) + st.tdb_fraction) * DAY
    got = utc_to_tdb(2031, 2, days, 6)
    assert got.shape == (28,) and got.dtype == np.float64
    assert np.max(np.abs(got - expected)) < 1e-5


def test_j2000_epoch_is_tdb_zero():
    assert abs(parse_utc("2000-01-01T11:58:55.816")) < 1e-3


def _naive_seconds(text):
    """Seconds since J2000 if no leap seconds had ever happened (plain datetime arithmetic)."""
    return (datetime.fromisoformat(text) - J2000_UTC).total_seconds()


def test_tai_minus_utc_is_37_s_after_2017():
    # TT - UTC = (TAI - UTC) + 32.184 s; TDB - TT stays within 2 ms; 32 leap seconds by J2000.
    after = parse_utc("2017-01-01T00:00:00") - _naive_seconds("2017-01-01T00:00:00")
    before = parse_utc("2016-12-31T23:59:59") - _naive_seconds("2016-12-31T23:59:59")
    assert after == pytest.approx(37 - 32, abs=2e-3)
    assert before == pytest.approx(36 - 32, abs=2e-3)


def test_leap_second_exists_and_prints():
    t60 = parse_utc("2016-12-31T23:59:60")
    assert parse_utc("2017-01-01") - t60 == pytest.approx(1.0, abs=1e-6)
    assert t60 - parse_utc("2016-12-31T23:59:59") == pytest.approx(1.0, abs=1e-6)
    assert tdb_to_utc_iso(t60 + 0.5, "second") == "2016-12-31T23:59:60"


def test_second_60_without_leap_second_is_rejected():
    with pytest.raises(InputError):
        parse_utc("2015-12-31T23:59:60")


@pytest.mark.parametrize(
    "text, same_as",
    [
        ("2026", "2026-01-01T00:00:00"),
        ("2026-09", "2026-09-01T00:00"),
        ("2026-09-01", "2026-09-01T00:00:00.000"),
        ("2026-09-01Z", "2026-09-01T00:00:00Z"),
        ("2026-09-01 12:30", "2026-09-01T12:30:00"),
        ("  2026-09-01T12:30Z ", "2026-09-01T12:30:00.0"),
    ],
)
def test_forms_of_the_same_instant(text, same_as):
    assert parse_utc(text) == parse_utc(same_as)


def test_fractional_seconds():
    assert parse_utc("2026-09-01T12:00:30.25") - parse_utc("2026-09-01T12:00") == pytest.approx(30.25, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    ["", "2026-9-1", "26-09-01", "2026/09/01", "2026-09-01T12", "2026-09-01T24:00", "2026-13",
     "2026-09-01T12:60", "September 1", "2026-09-01T12:00+02:00", "2026-09-01TT12:00"],
)
def test_malformed_dates(text):
    with pytest.raises(InputError) as info:
        parse_utc(text, "--depart")
    assert "malformed date" in str(info.value) and "(--depart)" in str(info.value)


@pytest.mark.parametrize("text", ["2026-02-29", "2026-02-30", "2026-04-31", "2026-00-10"])
def test_impossible_dates(text):
    with pytest.raises(InputError) as info:
        parse_utc(text, "--depart")
    assert text in str(info.value) and info.value.where == "--depart"


def test_leap_day_exists():
    # TDB runs at a varying rate against UTC: tens of microseconds a day.
    assert parse_utc("2028-03-01") - parse_utc("2028-02-29") == pytest.approx(DAY, abs=1e-4)


def test_window_forms():
    a, b = parse_window("2026-09-01:2027-01-15")
    assert (a, b) == (parse_utc("2026-09-01"), parse_utc("2027-01-15"))
    assert parse_window("2026-09-01..2027-01-15") == (a, b)
    assert parse_window("2026-09-01T12:00:2027-01-15") == (parse_utc("2026-09-01T12:00"), b)
    assert parse_window("2026-09-01T12:00:30:2027-01-15T06:00") == (
        parse_utc("2026-09-01T12:00:30"), parse_utc("2027-01-15T06:00"))
    assert parse_window("2026:2027") == (parse_utc("2026-01-01"), parse_utc("2027-01-01"))


@pytest.mark.parametrize(
    "text, words",
    [
        ("2027-01-15:2026-09-01", "ends before it starts"),
        ("2026-09-01:2026-09-01T00:00", "empty"),
        ("2026-09-01", "malformed window"),
        ("2026-09-01:2027-01-15:2028-01-01", "malformed window"),
        ("2026-02-30:2027-01-15", "2026-02-30"),
    ],
)
def test_bad_windows(text, words):
    with pytest.raises(InputError) as info:
        parse_window(text, "--window")
    assert words in str(info.value) and info.value.where == "--window"


def test_iso_output_round_trips():
    t = parse_utc("2026-09-01T12:34:56")
    assert tdb_to_utc_iso(t) == "2026-09-01"
    assert tdb_to_utc_iso(t, "minute") == "2026-09-01T12:34"
    assert tdb_to_utc_iso(t, "second") == "2026-09-01T12:34:56"
    assert tdb_to_utc_iso(np.array([t, t + DAY])) == ["2026-09-01", "2026-09-02"]


def test_iso_date_is_robust_to_round_off():
    midnight = parse_utc("2026-09-01")
    assert tdb_to_utc_iso(midnight - 1e-6) == "2026-09-01"
    assert tdb_to_utc_iso(midnight - 0.01) == "2026-08-31"  # truncated, not rounded to the day
    assert tdb_to_utc_iso(midnight + DAY - 1.0) == "2026-09-01"


def test_far_future_dates_do_not_warn(recwarn):
    assert tdb_to_utc_iso(parse_utc("2060-01-01")) == "2060-01-01"
    assert not [w for w in recwarn if "dubious" in str(w.message)]


def test_datetime64_round_trip():
    t = parse_utc("2026-09-01T12:00") + np.array([[0.0, 0.125], [DAY * 400, -DAY * 9000]])
    dt = tdb_to_datetime64(t)
    assert dt.dtype == np.dtype("datetime64[ms]") and dt.shape == (2, 2)
    assert dt[0, 0] == np.datetime64("2026-09-01T12:00:00.000")
    assert np.max(np.abs(datetime64_to_tdb(dt) - t)) < 1e-3


def test_datetime64_is_utc_not_tdb():
    # 37 leap seconds + 32.184 s: a TDB clock reads 69.18 s ahead of UTC in 2026.
    dt = tdb_to_datetime64(parse_utc("2026-01-01"))
    assert dt == np.datetime64("2026-01-01T00:00:00.000")


def test_julian_dates(ts):
    t = parse_utc("2026-09-01T06:00")
    whole, frac = tdb_to_jd_parts(t)
    st = ts.utc(2026, 9, 1, 6)
    assert whole + frac == pytest.approx(st.tdb, abs=1e-9)
    assert float(whole) == np.floor(float(whole)) and 0 <= frac < 1
    assert tdb_to_jd(0.0) == 2451545.0


hypothesis = pytest.importorskip("hypothesis")


@hypothesis.settings(max_examples=100, deadline=None)
@hypothesis.given(hypothesis.strategies.floats(min_value=-2.5e9, max_value=1.6e9))
def test_iso_text_parses_back_to_the_same_second(t):
    # Written to the second (truncated after rounding to the millisecond), then read back.
    back = parse_utc(tdb_to_utc_iso(t, "second"))
    assert -1e-3 <= t - back < 1.0 + 1e-3


# --- TT for many instants: one leap-second lookup, and Kaplan's short TDB - TT series ---


def test_datetime64_to_tt_agrees_with_the_full_conversion():
    # The full path (erfa: UTC -> TAI -> TT -> TDB with the Fairhead & Bretagnon series) minus that
    # series must give the same TT, before 1972 (drifting UTC) and after, on a leap-second day too.
    import erfa

    from sojourn.time import datetime64_to_tt

    stamps = np.array(["1961-03-01T06:00", "1968-02-01T00:00", "1971-12-31T23:59:59.5", "1972-01-01T00:00",
                       "1999-12-31T23:59:59", "2016-12-31T12:00", "2017-01-01T00:00:00.25", "2035-06-30T18:45"],
                      dtype="datetime64[us]")
    tdb = datetime64_to_tdb(stamps)
    whole = 2451545.0 + np.floor(tdb / DAY)
    tdb_minus_tt = erfa.dtdb(whole, (tdb - np.floor(tdb / DAY) * DAY) / DAY, 0.0, 0.0, 0.0, 0.0)
    assert np.max(np.abs(datetime64_to_tt(stamps) - (tdb - tdb_minus_tt))) < 2e-6


def test_tt_is_69_184_s_ahead_of_utc_after_2017():
    from sojourn.time import datetime64_to_tt

    # 2020-01-01T00:00 is 631 108 800 calendar seconds after 2000-01-01T12:00; TT - UTC = 37 leap
    # seconds + 32.184 s (IAU 1991 A4)
    assert float(datetime64_to_tt(np.datetime64("2020-01-01T00:00"))) == pytest.approx(
        631108800.0 + 69.184, abs=1e-6)
    assert np.isnan(datetime64_to_tt(np.array(["NaT"], dtype="datetime64[ms]"))[0])


def test_short_tdb_minus_tt_series_is_within_10_microseconds_of_the_full_one():
    # Kaplan (2005), USNO Circular 179: "accurate to about 10 us between 1600 and 2200".
    import erfa

    from sojourn.time import tdb_minus_tt_s

    t = np.linspace(-3.2e9, 3.2e9, 20001)  # 1899-2101
    whole = 2451545.0 + np.floor(t / DAY)
    full = erfa.dtdb(whole, (t - np.floor(t / DAY) * DAY) / DAY, 0.0, 0.0, 0.0, 0.0)
    assert np.abs(full).max() > 1.6e-3  # the series being approximated is not zero
    assert np.max(np.abs(tdb_minus_tt_s(t) - full)) < 10e-6


def test_a_day_ending_in_a_fractional_step_of_utc_is_written_as_it_reads_back():
    # USNO's tai-utc.dat: TAI - UTC = 4.3131700 s + (MJD - 39126) x 0.002592 s until 1968-02-01, then
    # 4.2131700 s + the same drift: UTC stepped 0.1 s forward, so 1968-01-31 ran 86 399.9 UTC seconds.
    from sojourn.export.oem import format_epochs

    end = utc_to_tdb(1968, 2, 1)
    # (in TDB seconds: TDB - TT changes by up to 30 us a day)
    assert end - utc_to_tdb(1968, 1, 31) == pytest.approx(86_400 - 0.1 + 0.002592, abs=3e-5)
    # 0.05 s before the day's end is 0.05 s before its last label, 23:59:59.9
    assert format_epochs([end - 0.05]) == ["1968-01-31T23:59:59.850000"]
    assert format_epochs([end]) == ["1968-02-01T00:00:00.000000"]
    assert tdb_to_utc_iso(end - 0.05, "second") == "1968-01-31T23:59:59"
    t = np.linspace(end - 3_600.0, end + 1.0, 4_001)  # the last hour, the step and a second beyond
    back = np.array([parse_utc(text) for text in tdb_to_utc_iso(t, "second")])
    assert np.all((t - back >= -1e-3) & (t - back < 1.0 + 1e-3))
