"""Scenario files: the shipped examples load, and every mistake is one line naming the file and key."""

import copy
import datetime
from pathlib import Path

import pytest

from sojourn.errors import InputError, ScenarioError
from sojourn.mission.scenario import BURNS, Scenario, load_scenario
from sojourn.time import parse_utc, parse_window

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

MINIMAL = """\
[mission]
name = "Test"
class = "conjunction"

[departure]
parking_altitude_km = 400.0

[arrival]
mode = "propulsive"
periapsis_altitude_km = 250.0
period_hours = 24.6597

[return]
mode = "entry"

[windows]
launch = "2033-01-01:2033-12-31"
return_by = "2037-12-31"

[constraints]
min_stay_days = 400
max_stay_days = 600
"""

BASE = {
    "mission": {"name": "Test", "class": "conjunction"},
    "departure": {"parking_altitude_km": 400.0},
    "arrival": {"mode": "propulsive", "periapsis_altitude_km": 250.0, "period_hours": 24.6597},
    "return": {"mode": "entry"},
    "windows": {"launch": "2033-01-01:2033-12-31", "return_by": "2037-12-31"},
    "constraints": {"min_stay_days": 400, "max_stay_days": 600},
}

STAGE = {"name": "TMI", "isp_s": 450.0, "dry_mass_kg": 20000, "propellant_kg": 110000, "burns": ["earth_departure"]}


def scenario_error(data, source="s.toml") -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data, source=source)
    return info.value


def changed(change) -> dict:
    data = copy.deepcopy(BASE)
    change(data)
    return data


def assert_one_line(err: ScenarioError, where: str, *words: str):
    text = str(err)
    assert "\n" not in text and "Traceback" not in text
    assert err.where == where, (err.where, text)
    for word in words:
        assert word in err.message, (word, err.message)


# -- the shipped examples ------------------------------------------------------


@pytest.mark.parametrize("name", ["ulysses.toml", "dra5-conjunction.toml", "opposition-short-stay.toml"])
def test_examples_load(name):
    path = EXAMPLES / name
    s = load_scenario(path)
    assert s.source == str(path)
    assert s.mission.origin == "earth" and s.mission.destination == "mars"
    t0, t1 = s.launch_window
    assert t0 < t1
    assert s.burn_names == BURNS
    assert len(s.digest()) == 64


def test_ulysses_story():
    s = load_scenario(EXAMPLES / "ulysses.toml")
    assert s.mission.mission_class == "conjunction"
    assert s.crew.size == 6
    roles = {m.role for m in s.crew.members}
    assert {"commander", "pilot", "flight engineer", "physician", "geologist", "psychologist"} <= roles
    assert s.launch_window == parse_window("2033-01-01:2033-12-31")
    assert s.constraints.min_stay_days == 300 and s.constraints.max_transit_days == 320
    v = s.vessel
    assert v.payload_kg == 40000 and 2 <= len(v.stages) <= 3
    assert v.stage_for("earth_departure").name == "TMI stage"
    assert v.stage_for("earth_arrival") is None  # direct entry: no burn


def test_dra5_reference_values():
    s = load_scenario(EXAMPLES / "dra5-conjunction.toml")
    assert s.departure.parking_altitude_km == 400.0
    assert s.arrival.mode == "propulsive" and s.arrival.period_hours == 24.6597
    rp, ra = s.arrival_orbit_radii_km
    assert rp == pytest.approx(3396.19 + 250.0)
    # 1 sol about Mars from 250 km periapsis: apoapsis altitude near 33,800 km.
    assert 33000 < ra - 3396.19 < 34500
    assert s.return_.mode == "entry" and s.arrival_orbit_radii_km is not None and s.return_orbit_radii_km is None
    assert (s.constraints.min_stay_days, s.constraints.max_stay_days) == (450, 600)
    assert (s.constraints.min_transit_days, s.constraints.max_transit_days) == (150, 250)
    assert s.launch_window == parse_window("2031-01-01:2046-12-31")
    assert s.return_by is None


def test_opposition_example():
    s = load_scenario(EXAMPLES / "opposition-short-stay.toml")
    c = s.constraints
    assert s.mission.mission_class == "opposition"
    assert (c.min_stay_days, c.max_stay_days) == (30, 60)
    assert c.max_total_days == 700 and c.max_c3 == 60


# -- the public API ----------------------------------------------------------------


def test_minimal_file_and_defaults(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(MINIMAL)
    s = load_scenario(path)
    assert s.source == str(path)
    assert s.mission.objective == "min_total_dv"
    assert s.crew.members == [] and s.vessel is None
    assert s.windows.step_days == 1.0 and s.constraints.min_transit_days == 60
    assert s.arrival.entry_interface_altitude_km == 125.0
    assert s.launch_window == parse_window("2033-01-01:2033-12-31")
    assert s.return_by == parse_utc("2037-12-31")
    assert s.windows.launch == "2033-01-01:2033-12-31"  # the text is kept too
    assert s.parking_radius_km == pytest.approx(6378.1366 + 400.0)
    assert Scenario.from_dict(BASE).source == "<dict>"


def test_digest_ignores_layout_and_defaults_but_not_values(tmp_path):
    a = tmp_path / "a.toml"
    a.write_text(MINIMAL)
    b = tmp_path / "b.toml"
    b.write_text("# a comment\n" + MINIMAL.replace("400.0", "400").replace("[return]", "[return]\nentry_interface_altitude_km = 125"))
    c = tmp_path / "c.toml"
    c.write_text(MINIMAL.replace("min_stay_days = 400", "min_stay_days = 401"))
    assert load_scenario(a).digest() == load_scenario(b).digest() == Scenario.from_dict(BASE).digest()
    assert load_scenario(a).digest() != load_scenario(c).digest()


def test_to_dict_round_trips():
    s = Scenario.from_dict({**BASE, "vessel": {"payload_kg": 40000, "stages": [STAGE]}})
    again = Scenario.from_dict(s.to_dict())
    assert again == s and again.digest() == s.digest()
    assert s.to_dict()["mission"]["class"] == "conjunction" and "return" in s.to_dict()


def test_toml_date_for_return_by():
    s = Scenario.from_dict(changed(lambda d: d["windows"].update(return_by=datetime.date(2037, 12, 31))))
    assert s.return_by == parse_utc("2037-12-31")


def test_body_names_are_canonical():
    s = Scenario.from_dict(changed(lambda d: d["mission"].update(origin=" Earth", destination="MARS")))
    assert s.mission.origin == "earth" and s.destination_body.name == "mars"


def test_propulsive_return_and_entry_arrival():
    s = Scenario.from_dict(changed(lambda d: (
        d.update(arrival={"mode": "entry"}),
        d.update(**{"return": {"mode": "propulsive", "periapsis_altitude_km": 500, "apoapsis_altitude_km": 70000}}),
        d.update(constraints={"max_arrival_entry_speed_kms": 7.5}),
    )))
    assert s.arrival_orbit_radii_km is None
    assert s.return_orbit_radii_km == pytest.approx((6378.1366 + 500, 6378.1366 + 70000))


def test_stage_properties():
    s = Scenario.from_dict({**BASE, "vessel": {"payload_kg": 40000, "stages": [STAGE]}})
    stage = s.vessel.stages[0]
    assert stage.exhaust_velocity_kms == pytest.approx(4.4129925)
    assert s.vessel.initial_mass_kg == 170000
    # a vessel without stages would plan as if it carried no propellant at all
    with pytest.raises(ScenarioError, match="missing") as err:
        Scenario.from_dict({**BASE, "vessel": {"payload_kg": 1}})
    assert err.value.key == "vessel.stages"


# -- every mistake: one line, file and dotted key ------------------------------------


@pytest.mark.parametrize("change, key, words", [
    (lambda d: d["mission"].pop("name"), "mission.name", ["missing key"]),
    (lambda d: d.pop("windows"), "windows", ["missing table"]),
    (lambda d: d["windows"].pop("launch"), "windows.launch", ["missing key"]),
    (lambda d: d["arrival"].pop("mode"), "arrival.mode", ["missing key"]),
    (lambda d: d["departure"].update(parking_altitude_km="abc"), "departure.parking_altitude_km",
     ["expected a number, got 'abc'"]),
    (lambda d: d["departure"].update(parking_altitude_km="400"), "departure.parking_altitude_km",
     ["expected a number, got '400'"]),
    (lambda d: d["departure"].update(parking_altitude_km=True), "departure.parking_altitude_km",
     ["expected a number, got true"]),
    (lambda d: d["departure"].update(parking_altitude_km=float("nan")), "departure.parking_altitude_km",
     ["finite"]),
    (lambda d: d["mission"].update(name=7), "mission.name", ["expected a string, got 7"]),
    (lambda d: d["mission"].update(name="  "), "mission.name", ["must not be empty"]),
    (lambda d: d.update(departure=400), "departure", ["expected a table, got 400"]),
    (lambda d: d["mission"].update(destination="marz"), "mission.destination", ["unknown body 'marz'"]),
    (lambda d: d["mission"].update(origin="vulcan"), "mission.origin", ["unknown body 'vulcan'"]),
    (lambda d: d["mission"].update(destination="earth"), "mission.destination", ["destination is the origin"]),
    (lambda d: d["mission"].update(destination="sun"), "mission.destination", ["cannot be visited"]),
    (lambda d: d["mission"].update(destination="venus"), "mission.destination",
     ["crewed round trips are modelled from Earth to Mars", "must be 'mars'"]),
    (lambda d: d["mission"].update(origin="moon", destination="mars"), "mission.origin", ["must be 'earth'"]),
    # Laplace's sphere of influence: Earth's reaches about 924,600 km from its centre, Mars's 577,200 km
    (lambda d: d["departure"].update(parking_altitude_km=2e6), "departure.parking_altitude_km",
     ["beyond its sphere of influence"]),
    (lambda d: d["mission"].update(**{"class": "hohmann"}), "mission.class",
     ["unknown value 'hohmann'", "'conjunction'"]),
    (lambda d: d["mission"].update(objective="fastest"), "mission.objective", ["unknown value 'fastest'"]),
    (lambda d: d["constraints"].update(max_stay_dayz=500), "constraints.max_stay_dayz",
     ["unknown key 'max_stay_dayz'", "did you mean 'max_stay_days'"]),
    (lambda d: d["mission"].update(mission_class="any"), "mission.mission_class", ["did you mean 'class'"]),
    (lambda d: d.update(constraint={}), "constraint", ["unknown key 'constraint'", "'constraints'"]),
    (lambda d: d["constraints"].update(min_stay_days=600, max_stay_days=500), "constraints.max_stay_days",
     ["min_stay_days (600) exceeds max_stay_days (500)"]),
    (lambda d: d["constraints"].update(min_transit_days=300, max_transit_days=200), "constraints.max_transit_days",
     ["min_transit_days (300) exceeds max_transit_days (200)"]),
    (lambda d: d["constraints"].update(max_total_days=500), "constraints.max_total_days", ["shortest mission"]),
    (lambda d: d["constraints"].update(max_c3=0), "constraints.max_c3", ["greater than 0"]),
    (lambda d: d["departure"].update(parking_altitude_km=-400), "departure.parking_altitude_km",
     ["must be greater than 0, got -400"]),
    (lambda d: d["departure"].update(parking_inclination_deg=200), "departure.parking_inclination_deg",
     ["at most 180"]),
    (lambda d: d["arrival"].update(periapsis_altitude_km=-250), "arrival.periapsis_altitude_km", ["greater than 0"]),
    (lambda d: d["arrival"].update(apoapsis_altitude_km=33000), "arrival.period_hours",
     ["apoapsis_altitude_km or period_hours, not both"]),
    (lambda d: d["arrival"].pop("period_hours"), "arrival.apoapsis_altitude_km", ["missing key"]),
    (lambda d: d["arrival"].pop("periapsis_altitude_km"), "arrival.periapsis_altitude_km", ["missing key"]),
    (lambda d: d["arrival"].update(period_hours=None, apoapsis_altitude_km=100), "arrival.apoapsis_altitude_km",
     ["below periapsis_altitude_km"]),
    (lambda d: d["arrival"].update(period_hours=1.0), "arrival.period_hours", ["shorter than a circular orbit"]),
    (lambda d: d["arrival"].update(mode="entry"), "arrival.periapsis_altitude_km", ["mode 'entry'"]),
    (lambda d: d["return"].update(mode="propulsive"), "return.periapsis_altitude_km", ["missing key"]),
    (lambda d: d["return"].update(mode="aerocapture"), "return.mode", ["unknown value 'aerocapture'"]),
    (lambda d: d["windows"].update(launch="2033-13-01:2033-12-31"), "windows.launch", ["malformed date"]),
    (lambda d: d["windows"].update(launch="2033-02-30:2033-12-31"), "windows.launch", ["invalid date"]),
    (lambda d: d["windows"].update(launch="2033-12-31:2033-01-01"), "windows.launch", ["ends before it starts"]),
    (lambda d: d["windows"].update(launch="soon"), "windows.launch", ["malformed window"]),
    (lambda d: d["windows"].update(return_by="2037-12-32"), "windows.return_by", ["2037-12-32"]),
    (lambda d: d["windows"].update(return_by="2032-06-01"), "windows.return_by", ["not after the launch window"]),
    (lambda d: d["windows"].update(return_by="2034-06-01"), "windows.return_by", ["earliest possible return"]),
    (lambda d: d["windows"].update(step_days=0), "windows.step_days", ["greater than 0"]),
    (lambda d: d["constraints"].update(max_arrival_entry_speed_kms=7.5), "constraints.max_arrival_entry_speed_kms",
     ["only when arrival.mode is 'entry'"]),
    (lambda d: (d["return"].update(mode="propulsive", periapsis_altitude_km=400, apoapsis_altitude_km=1000),
                d["constraints"].update(max_entry_speed_kms=12)), "constraints.max_entry_speed_kms", ["return.mode"]),
    (lambda d: d["mission"].update(objective="min_propellant"), "mission.objective", ["[vessel]"]),
    (lambda d: d.update(crew={"members": [{"name": "Ilse Brandt"}]}),
     "crew.members[0].role", ["missing key"]),
    (lambda d: d.update(crew={"members": "six"}), "crew.members", ["expected an array"]),
    (lambda d: d.update(vessel={"stages": [STAGE]}), "vessel.payload_kg", ["missing key"]),
    (lambda d: d.update(vessel={"payload_kg": 1, "stages": [{**STAGE, "burns": ["tmi"]}]}),
     "vessel.stages[0].burns[0]", ["unknown value 'tmi'", "'earth_departure'"]),
    (lambda d: d.update(vessel={"payload_kg": 1, "stages": [{**STAGE, "burns": []}]}),
     "vessel.stages[0].burns", ["must not be empty"]),
    (lambda d: d.update(vessel={"payload_kg": 1, "stages": [{**STAGE, "isp_s": -1}]}),
     "vessel.stages[0].isp_s", ["greater than 0"]),
    (lambda d: d.update(vessel={"payload_kg": 1, "stages": [STAGE, {**STAGE, "name": "Core",
                                                                     "burns": ["mars_arrival", "earth_departure"]}]}),
     "vessel.stages[1].burns[1]", ["'earth_departure' is already performed by stage 'TMI'"]),
    (lambda d: d.update(vessel={"payload_kg": 1, "stages": [{**STAGE, "burns": ["earth_departure"] * 2}]}),
     "vessel.stages[0].burns[1]", ["listed twice"]),
    (lambda d: d.update(vessel={"payload_kg": 1, "stages": [STAGE, {**STAGE, "burns": ["mars_arrival"]}]}),
     "vessel.stages[1].name", ["used twice"]),
    (lambda d: d.update(vessel={"payload_kg": 1, "stages": [{**STAGE, "thrust_kn": 100}]}),
     "vessel.stages[0].thrust_kn", ["unknown key 'thrust_kn'"]),
    # against a default the file does not write: found on loading, not after a whole search
    (lambda d: d["constraints"].update(min_transit_days=420), "constraints.min_transit_days",
     ["min_transit_days (420) exceeds max_transit_days (400, the default"]),
    (lambda d: (d["mission"].update({"class": "opposition"}), d["constraints"].pop("max_stay_days"),
                d["constraints"].update(min_stay_days=200)), "constraints.min_stay_days",
     ["min_stay_days (200) exceeds max_stay_days (90, the opposition-class default"]),
    (lambda d: (d["constraints"].pop("min_stay_days"), d["constraints"].update(max_stay_days=100)),
     "constraints.max_stay_days", ["max_stay_days (100) is below min_stay_days (300, the conjunction-class default"]),
])
def test_mistakes_name_the_file_and_key(change, key, words):
    err = scenario_error(changed(change), source="examples/x.toml")
    assert isinstance(err, InputError)
    assert_one_line(err, f"examples/x.toml: {key}", *words)


def test_several_mistakes_are_counted_in_one_line():
    err = scenario_error(changed(lambda d: (d["mission"].pop("name"), d["departure"].update(parking_altitude_km="x"))))
    assert_one_line(err, "s.toml: mission.name", "missing key", "1 more: departure.parking_altitude_km")


def test_not_a_table_at_all():
    err = scenario_error([1, 2], source="<dict>")
    assert_one_line(err, "<dict>", "expected a table")


# -- files ------------------------------------------------------------------------


def test_misspelt_key_in_a_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(MINIMAL.replace("max_stay_days", "max_stay_day"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_one_line(info.value, f"{path}: constraints.max_stay_day", "did you mean 'max_stay_days'")


def test_min_over_max_stay_in_a_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(MINIMAL.replace("min_stay_days = 400\nmax_stay_days = 600", "min_stay_days = 600\nmax_stay_days = 500"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_one_line(info.value, f"{path}: constraints.max_stay_days", "min_stay_days (600) exceeds max_stay_days (500)")
    assert str(info.value) == f"min_stay_days (600) exceeds max_stay_days (500) ({path}: constraints.max_stay_days)"


@pytest.mark.parametrize("text, line, words", [
    ('[mission]\nname = "x"\nclass = conjunction\n', 3, ["missing its quotes"]),
    ('[mission]\nname = "x"\n[mission]\n', 3, []),
    ('[mission\n', 1, []),
    ('[windows]\nlaunch = "2033-01-01:2033-12-31\n', 2, []),
])
def test_toml_syntax_error_gives_the_line(tmp_path, text, line, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_one_line(info.value, str(path), "TOML syntax error", f"line {line}", *words)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_one_line(info.value, str(path), "not found")


def test_directory_and_binary_files(tmp_path):
    with pytest.raises(ScenarioError, match="directory"):
        load_scenario(tmp_path)
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ScenarioError, match="UTF-8"):
        load_scenario(path)


def test_scenario_is_immutable():
    s = Scenario.from_dict(BASE)
    with pytest.raises(Exception):
        s.mission = None
