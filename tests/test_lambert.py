"""Tests of the Lambert solver (sojourn.core.lambert).

Three kinds of evidence, as design.md asks ("validation before speed"):

1. Published figures (../shared/references.md), each checked to the digits its
   source prints. The tolerance is half a unit of the last printed decimal of
   each component unless a comment says why the reference itself is not that
   good; every such claim was checked by integrating the two-body equations
   (scipy DOP853, rtol 1e-13) from the printed v1 and by shooting for the exact
   solution.
2. Independent checks inside the project: every answer reported OK is
   propagated with the Kepler kernel and must land on r2 with velocity v2;
   feasibility of multi-revolution problems is decided independently with
   Lagrange's time equation.
3. Batch/single equivalence and the "never wrong as OK" contract.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sojourn.core.kepler import propagate_batch
from sojourn.core.lambert import (
    NO_SOLUTION,
    NOT_CONVERGED,
    OK,
    lambert_batch,
    solve_lambert,
)
from sojourn.errors import NoSolutionError

TWO_PI = 2.0 * math.pi


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def printed(*components: str):
    """A vector as printed by a reference: its values and half a unit of the
    last printed decimal of each component (the honest rounding tolerance)."""
    values = np.array([float(c) for c in components])
    half_ulp = np.array(
        [0.5 * 10.0 ** -(len(c.split(".")[1]) if "." in c else 0) for c in components]
    )
    return values, half_ulp


def transfer_angle(r1, r2, prograde):
    """Transfer angle in [0, 2*pi) swept in the requested sense (about +z for
    prograde, -z for retrograde), for arrays of shape (N, 3)."""
    r1 = np.atleast_2d(r1)
    r2 = np.atleast_2d(r2)
    cross = np.cross(r1, r2)
    theta = np.arctan2(np.linalg.norm(cross, axis=1), np.einsum("ij,ij->i", r1, r2))
    flip = (cross[:, 2] >= 0) != prograde
    return np.where(flip, TWO_PI - theta, theta)


def lagrange_tof(mu, a, s, c, theta, revs, upper):
    """Time of flight on an ellipse of semi-major axis ``a`` joining two points
    (Lagrange's equation), elementwise. ``upper`` picks alpha = 2*pi - alpha0.

    Written from the textbook form (Battin 1999, sec. 6.4), independent of the
    solver under test.
    """
    alpha = 2.0 * np.arcsin(np.sqrt(np.minimum(1.0, s / (2.0 * a))))
    beta = 2.0 * np.arcsin(np.sqrt(np.minimum(1.0, (s - c) / (2.0 * a))))
    alpha = np.where(upper, TWO_PI - alpha, alpha)
    beta = np.where(theta > math.pi, -beta, beta)
    return np.sqrt(a**3 / mu) * (
        TWO_PI * revs + (alpha - np.sin(alpha)) - (beta - np.sin(beta))
    )


def multirev_tmin(mu, r1, r2, revs, prograde):
    """Minimum time of flight for ``revs`` >= 1 complete revolutions, per element.

    Scans both branches of Lagrange's equation over a = a_m * exp(u),
    u in [0, ln 100], then refines by golden-section search. Relative accuracy
    about 1e-10, far below the 1e-3 margin the tests leave around it.
    """
    r1 = np.atleast_2d(r1)
    r2 = np.atleast_2d(r2)
    n1 = np.linalg.norm(r1, axis=1)
    n2 = np.linalg.norm(r2, axis=1)
    c = np.linalg.norm(r2 - r1, axis=1)
    s = 0.5 * (n1 + n2 + c)
    theta = transfer_angle(r1, r2, prograde)
    revs = np.broadcast_to(np.asarray(revs), n1.shape)
    a_m = 0.5 * s
    # signed u: u < 0 upper branch at a_m*exp(-u), u > 0 lower branch at a_m*exp(u)
    grid = np.linspace(-math.log(100.0), math.log(100.0), 4001)

    def tof_u(u):
        return lagrange_tof(
            mu, a_m[:, None] * np.exp(np.abs(u)), s[:, None], c[:, None],
            theta[:, None], revs[:, None], u < 0,
        )

    values = tof_u(np.broadcast_to(grid, (n1.size, grid.size)))
    k = np.argmin(values, axis=1)
    lo = grid[np.maximum(k - 1, 0)]
    hi = grid[np.minimum(k + 1, grid.size - 1)]
    g = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(60):
        x1 = hi - g * (hi - lo)
        x2 = lo + g * (hi - lo)
        f1 = tof_u(x1[:, None])[:, 0]
        f2 = tof_u(x2[:, None])[:, 0]
        left = f1 < f2
        hi = np.where(left, x2, hi)
        lo = np.where(left, lo, x1)
    best = tof_u((0.5 * (lo + hi))[:, None])[:, 0]
    return np.minimum(best, values.min(axis=1))


def assert_lands(exact, mu, r1, r2, tof, v1, v2, what="", pos_rtol=1e-8, vel_rtol=1e-6):
    """Propagate (r1, v1) for tof; require r2 and v2.

    The compiled Kepler kernel does the bulk of the work. Elements where it
    fails or misses are propagated again with ``exact`` (the decimal-arithmetic
    propagator of conftest.py), which decides: this is a test of the Lambert
    answer, and the kernel's own weaknesses are test_kepler.py's business.
    """
    r1, r2, v1, v2 = (np.asarray(x, dtype=float) for x in (r1, r2, v1, v2))
    tof = np.asarray(tof, dtype=float)
    r_end, v_end, st_prop = propagate_batch(mu, r1, v1, tof)

    def errors(i=slice(None)):
        pos = np.linalg.norm(r_end[i] - r2[i], axis=-1) / np.linalg.norm(r2[i], axis=-1)
        vel = np.linalg.norm(v_end[i] - v2[i], axis=-1) / np.linalg.norm(v2[i], axis=-1)
        return pos, vel

    with np.errstate(invalid="ignore"):
        pos_err, vel_err = errors()
        suspect = np.flatnonzero((st_prop != 0) | ~((pos_err < pos_rtol) & (vel_err < vel_rtol)))
    for i in suspect:
        r_end[i], v_end[i] = exact(mu, r1[i], v1[i], tof[i])
    pos_err, vel_err = errors()
    bad = np.flatnonzero(~((pos_err < pos_rtol) & (vel_err < vel_rtol)))
    if bad.size:
        i = bad[np.argmax(pos_err[bad])]
        raise AssertionError(
            f"{what}: {bad.size} OK answer(s) do not land: worst element {i}: "
            f"mu={mu!r}, r1={r1[i].tolist()!r}, r2={r2[i].tolist()!r}, tof={float(tof[i])!r}, "
            f"v1={v1[i].tolist()!r}, v2={v2[i].tolist()!r}, |dr|/|r2|={pos_err[i]:.3e}, "
            f"|dv|/|v2|={vel_err[i]:.3e}"
        )


# ---------------------------------------------------------------------------
# published cases
# ---------------------------------------------------------------------------

MU_EARTH = 398600.4418

DER_R1 = [22592.145603, -1599.915239, -19783.950506]
DER_R2 = [1922.067697, 4054.157051, -8925.727465]

CASES = []


def _case(name, mu, r1, r2, tof, v1, v2, revs=0, prograde=True, low_path=True,
          tol_v1=None, tol_v2=None):
    v1, half1 = printed(*v1)
    v2, half2 = printed(*v2)
    CASES.append(
        pytest.param(
            dict(
                mu=mu, r1=np.array(r1, float), r2=np.array(r2, float), tof=float(tof),
                revs=revs, prograde=prograde, low_path=low_path, v1=v1, v2=v2,
                tol_v1=half1 if tol_v1 is None else np.broadcast_to(tol_v1, (3,)),
                tol_v2=half2 if tol_v2 is None else np.broadcast_to(tol_v2, (3,)),
            ),
            id=name,
        )
    )


# Curtis, Orbital Mechanics for Engineering Students, Example 5.2 (mu = 398600).
# Printed to 4 decimals (5 for -0.38529); the exact solution agrees to within
# 4e-5 of every printed digit, so half a unit of the last decimal holds.
_case("curtis-5.2", 398600.0, [5000, 10000, 2100], [-14600, 2500, 7000], 3600,
      ("-5.9925", "1.9254", "3.2456"), ("-3.3125", "-4.1966", "-0.38529"))

# Vallado, Fundamentals of Astrodynamics and Applications (4th ed.), Example 7-5.
# Printed to 6 decimals, but the book's figures are off from the exact solution
# by up to 0.75 units of the 6th decimal (exact v1_y = 2.91596435, printed
# 2.915965; exact v2_y = 0.91031425, printed 0.910315): tolerance one unit, 1e-6.
_case("vallado-7-5", MU_EARTH, [15945.34, 0, 0], [12214.83899, 10249.46731, 0], 76.0 * 60,
      ("2.058913", "2.915965", "0"), ("-3.451565", "0.910315", "0"),
      tol_v1=1e-6, tol_v2=1e-6)

# Der (2011), "The Superior Lambert Algorithm", AMOS, Example 1 (Molniya-like),
# values as in references.md (also poliastro's and lamberthub's tests).
_case("der-M0-prograde", MU_EARTH, DER_R1, DER_R2, 36000,
      ("2.000652697", "0.387688615", "-2.666947760"),
      ("-3.79246619", "-1.77707641", "6.856814395"))
_case("der-M1-prograde-high", MU_EARTH, DER_R1, DER_R2, 36000,
      ("0.50335770", "0.61869408", "-1.57176904"),
      ("-4.18334626", "-1.13262727", "6.13307091"),
      revs=1, low_path=False)
# Low path: v1 holds to half a unit of its 8th decimal, but the printed v2 is
# not consistent with the printed v1 at that level: both integrating the printed
# v1 and the exact solution give v2 = [-5.53841318, 0.01822213, 5.49641016],
# 5.2e-7 from the printed x component (poliastro's own test uses rtol=1e-4 here).
# Tolerance on v2: 1e-6.
_case("der-M1-prograde-low", MU_EARTH, DER_R1, DER_R2, 36000,
      ("-2.45759553", "1.16945801", "0.43161258"),
      ("-5.53841370", "0.01822220", "5.49641054"),
      revs=1, low_path=True, tol_v2=1e-6)
# The retrograde M = 1 rows of the same example of Der (2011), as tabulated in
# lamberthub's tests/test_multirev_solvers.py (not in references.md; verified
# here by shooting: exact to half a unit of the 8th decimal).
_case("der-M1-retrograde-high", MU_EARTH, DER_R1, DER_R2, 36000,
      ("1.33645655", "-0.94654565", "0.30211211"),
      ("4.93628678", "0.39863416", "-5.61593092"),
      revs=1, prograde=False, low_path=False)
_case("der-M1-retrograde-low", MU_EARTH, DER_R1, DER_R2, 36000,
      ("-1.38861608", "-0.47836611", "2.21280154"),
      ("3.92901545", "1.50871943", "-6.52926969"),
      revs=1, prograde=False, low_path=True)

# GMAT hyperbolic case, as used by lamberthub (tests/test_robust_solvers.py):
# r2 was produced by GMAT propagating r1 with v1 = [0, 10.35, 5.5] for 12000 s.
# That propagation was not pure two-body (integrating the printed v1 with
# two-body gravity misses the printed r2 by 60 km), so the Keplerian solution
# differs from the printed v1 by up to 4.7e-3 km/s (z) and from v2 by up to
# 3.6e-4 km/s. Tolerances: 5e-3 on v1 (half a unit of the 2nd decimal of 10.35)
# and 5e-4 on v2 (the printed 4 decimals cannot be met; 10x their half unit).
_case("gmat-hyperbolic", MU_EARTH, [7100, 200, 1300], [-38113.5870, 67274.1946, 29309.5799],
      12000, ("0.00", "10.35", "5.50"), ("-3.6379", "4.4932", "1.7735"),
      tol_v1=5e-3, tol_v2=5e-4)

# poliastro issue #840 (test_issue840 in poliastro's tests/tests_core/test_core_iod.py).
# references.md calls it "retrograde", but the published answer has angular
# momentum h_z = +58229 km^2/s: it is the counter-clockwise (prograde, long way,
# 328 deg) transfer. poliastro obtains it from izzo.lambert with default
# prograde=True (the "prograde=False" in that test is an argument of its old
# Vallado solver). So here it is a *prograde* case; the retrograde (short way,
# clockwise) answer is checked separately below.
# The printed digits came from iterative solvers at rtol ~1e-8 and are off from
# the exact solution by up to 4.2e-7 (printed v1 misses r2 by 8.5 m):
# tolerance 5e-7 (half a unit of the 7th decimal, 8 were printed).
_case("poliastro-840", MU_EARTH, [10000, 0, 0], [8000, -5000, 0], 7200,
      ("0.36591277", "5.8228806", "0"), ("3.99397599", "4.78236576", "0"),
      prograde=True, tol_v1=5e-7, tol_v2=5e-7)

# pykep unit test: mu = 1, quarter circle travelled the long (clockwise) way;
# pykep's cw=True is retrograde. Exact answer: the unit circle, clockwise.
_case("pykep-unit-cw", 1.0, [1, 0, 0], [0, 1, 0], 1.5 * math.pi,
      ("0", "-1", "0"), ("1", "0", "0"), prograde=False, tol_v1=1e-12, tol_v2=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_published_case_single(case, exact_propagate):
    v1, v2 = solve_lambert(
        case["mu"], case["r1"], case["r2"], case["tof"], revs=case["revs"],
        prograde=case["prograde"], low_path=case["low_path"],
    )
    for i in range(3):
        np.testing.assert_allclose(v1[i], case["v1"][i], rtol=0, atol=case["tol_v1"][i],
                                   err_msg=f"v1[{i}]")
        np.testing.assert_allclose(v2[i], case["v2"][i], rtol=0, atol=case["tol_v2"][i],
                                   err_msg=f"v2[{i}]")
    # the requested sense of motion
    h_z = np.cross(case["r1"], v1)[2]
    assert (h_z > 0) == case["prograde"]
    # and the answer itself flies (independent of the printed digits)
    assert_lands(exact_propagate, case["mu"], case["r1"][None], case["r2"][None], np.array([case["tof"]]),
                 v1[None], v2[None], what="published case", pos_rtol=1e-10, vel_rtol=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_published_case_batch(case):
    v1, v2, status = lambert_batch(
        case["mu"], case["r1"][None], case["r2"][None], np.array([case["tof"]]),
        revs=case["revs"], prograde=case["prograde"], low_path=case["low_path"],
    )
    assert status.dtype == np.int8 and status.shape == (1,)
    assert v1.shape == (1, 3) and v2.shape == (1, 3)
    assert status[0] == OK
    np.testing.assert_array_less(np.abs(v1[0] - case["v1"]), case["tol_v1"] + 1e-300)
    np.testing.assert_array_less(np.abs(v2[0] - case["v2"]), case["tol_v2"] + 1e-300)


def test_der_five_hours_one_rev_has_no_solution(exact_propagate):
    # Der (2011) example 1 with dt = 5 h: M = 1 needs at least 7.99 h (Lagrange),
    # so there is no one-revolution solution, on either path.
    r1 = np.array(DER_R1)
    r2 = np.array(DER_R2)
    tmin = multirev_tmin(MU_EARTH, r1, r2, 1, True)[0]
    assert 5 * 3600 < tmin < 36000  # sanity of the independent check
    for low_path in (True, False):
        with pytest.raises(NoSolutionError):
            solve_lambert(MU_EARTH, r1, r2, 5 * 3600.0, revs=1, low_path=low_path)
        v1, v2, status = lambert_batch(MU_EARTH, r1[None], r2[None], np.array([5 * 3600.0]),
                                       revs=1, low_path=low_path)
        assert status[0] == NO_SOLUTION
        assert np.all(np.isnan(v1)) and np.all(np.isnan(v2))
    # while M = 0 at 5 h is fine
    v1, v2 = solve_lambert(MU_EARTH, r1, r2, 5 * 3600.0)
    assert_lands(exact_propagate, MU_EARTH, r1[None], r2[None], np.array([5 * 3600.0]), v1[None], v2[None])


def test_no_solution_error_is_a_sojourn_error():
    from sojourn.errors import SojournError

    with pytest.raises(SojournError):
        solve_lambert(MU_EARTH, DER_R1, DER_R2, 3600.0, revs=3)


def test_poliastro_840_retrograde_is_the_short_clockwise_way(exact_propagate):
    # Same geometry as poliastro #840 with prograde=False: the clockwise 32 deg
    # transfer. No published digits; it must fly, clockwise.
    r1 = np.array([[10000.0, 0, 0]])
    r2 = np.array([[8000.0, -5000, 0]])
    tof = np.array([7200.0])
    v1, v2, status = lambert_batch(MU_EARTH, r1, r2, tof, prograde=False)
    assert status[0] == OK
    assert np.cross(r1[0], v1[0])[2] < 0
    assert_lands(exact_propagate, MU_EARTH, r1, r2, tof, v1, v2, pos_rtol=1e-10, vel_rtol=1e-9)
    v1p, _ = solve_lambert(MU_EARTH, r1[0], r2[0], 7200.0, prograde=True)
    assert np.linalg.norm(v1p - v1[0]) > 1.0  # really a different transfer


def test_batch_equals_loop_on_published_cases():
    """lambert_batch over all published cases stacked (grouped by the scalar
    arguments mu, prograde, low_path; revs as an array) equals solve_lambert
    called one at a time, bit for bit; the Der 5 h M = 1 case rides along as
    a NO_SOLUTION element."""
    cases = [p.values[0] for p in CASES]
    cases.append(dict(mu=MU_EARTH, r1=np.array(DER_R1), r2=np.array(DER_R2), tof=5 * 3600.0,
                      revs=1, prograde=True, low_path=True))
    cases.append(dict(mu=MU_EARTH, r1=np.array(DER_R1), r2=np.array(DER_R2), tof=5 * 3600.0,
                      revs=0, prograde=True, low_path=True))
    groups = {}
    for c in cases:
        groups.setdefault((c["mu"], c["prograde"], c["low_path"]), []).append(c)
    n_checked = 0
    for (mu, prograde, low_path), group in groups.items():
        r1 = np.array([c["r1"] for c in group])
        r2 = np.array([c["r2"] for c in group])
        tof = np.array([c["tof"] for c in group])
        revs = np.array([c["revs"] for c in group])
        v1, v2, status = lambert_batch(mu, r1, r2, tof, revs=revs, prograde=prograde,
                                       low_path=low_path)
        for i, c in enumerate(group):
            n_checked += 1
            try:
                sv1, sv2 = solve_lambert(mu, c["r1"], c["r2"], c["tof"], revs=c["revs"],
                                         prograde=prograde, low_path=low_path)
            except NoSolutionError:
                assert status[i] != OK
                assert np.all(np.isnan(v1[i])) and np.all(np.isnan(v2[i]))
                continue
            assert status[i] == OK
            np.testing.assert_array_equal(v1[i], sv1)
            np.testing.assert_array_equal(v2[i], sv2)
    assert n_checked == len(cases)
    # and a scalar revs broadcasts like the array
    c = [c for c in cases if c["revs"] == 1 and c["tof"] == 36000][0]
    v1a, v2a, sa = lambert_batch(MU_EARTH, c["r1"][None].repeat(3, 0), c["r2"][None].repeat(3, 0),
                                 np.full(3, c["tof"]), revs=1, low_path=c["low_path"],
                                 prograde=c["prograde"])
    v1b, v2b, sb = lambert_batch(MU_EARTH, c["r1"][None].repeat(3, 0), c["r2"][None].repeat(3, 0),
                                 np.full(3, c["tof"]), revs=np.ones(3, int),
                                 low_path=c["low_path"], prograde=c["prograde"])
    np.testing.assert_array_equal(v1a, v1b)
    np.testing.assert_array_equal(sa, sb)


# ---------------------------------------------------------------------------
# property test: every OK answer flies; M = 0 always solved; status is right
# ---------------------------------------------------------------------------

N = 64


def _angle_elements():
    log_delta = st.floats(-6.0, -2.0)  # delta in 1e-6 .. 1e-2 rad, log-uniform
    return st.one_of(
        st.floats(0.01, TWO_PI - 0.01),                         # generic
        log_delta.map(lambda k: 10.0**k),                       # near 0 deg
        log_delta.map(lambda k: TWO_PI - 10.0**k),              # near 360 deg
        log_delta.map(lambda k: math.pi - 10.0**k),             # just below 180 deg
        log_delta.map(lambda k: math.pi + 10.0**k),             # just above 180 deg
    )


def _geometry(radius1, radius2, theta, incl, node, arg):
    """r1, r2 on a plane of inclination incl (0..pi) and node, r1 at argument
    ``arg`` and r2 at arg + theta (measured about the plane's normal)."""
    def direction(u):
        cu, su = np.cos(u), np.sin(u)
        cO, sO, ci, si = np.cos(node), np.sin(node), np.cos(incl), np.sin(incl)
        return np.stack([cO * cu - sO * su * ci, sO * cu + cO * su * ci, su * si], axis=1)

    return radius1[:, None] * direction(arg), radius2[:, None] * direction(arg + theta)


def _floats(lo, hi):
    return hnp.arrays(np.float64, N, elements=st.floats(lo, hi))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    radius1=_floats(0.3, 5.0),
    radius2=_floats(0.3, 5.0),
    theta=hnp.arrays(np.float64, N, elements=_angle_elements()),
    incl=_floats(0.0, math.pi),
    node=_floats(0.0, TWO_PI),
    arg=_floats(0.0, TWO_PI),
    log_tof=_floats(-3.0, 1.5),
    revs=hnp.arrays(np.int64, N, elements=st.integers(0, 3)),
    prograde=st.booleans(),
    low_path=st.booleans(),
)
def test_every_ok_answer_flies(radius1, radius2, theta, incl, node, arg, log_tof, revs,
                               prograde, low_path, exact_propagate):
    mu = 1.0
    r1, r2 = _geometry(radius1, radius2, theta, incl, node, arg)
    # times of flight from very short (strongly hyperbolic) to long, scaled by
    # the geometry and by the revolutions asked for
    s = 0.5 * (radius1 + radius2 + np.linalg.norm(r2 - r1, axis=1))
    tof = 10.0**log_tof * np.sqrt(s**3 / mu) * (1.0 + TWO_PI * revs)

    v1, v2, status = lambert_batch(mu, r1, r2, tof, revs=revs, prograde=prograde,
                                   low_path=low_path)
    assert status.dtype == np.int8
    assert set(np.unique(status)) <= {OK, NO_SOLUTION, NOT_CONVERGED}
    ok = status == OK
    # anything not OK carries NaN velocities, never a plausible-looking number
    assert np.all(np.isnan(v1[~ok])) and np.all(np.isnan(v2[~ok]))
    assert np.all(np.isfinite(v1[ok])) and np.all(np.isfinite(v2[ok]))

    def describe(i):
        return (f"element {i}: r1={r1[i].tolist()!r}, r2={r2[i].tolist()!r}, "
                f"tof={tof[i]!r}, revs={revs[i]}, prograde={prograde}, "
                f"low_path={low_path}, status={status[i]}")

    # M = 0: a solution always exists for a non-degenerate geometry
    # (no angle here is closer than 1e-6 rad to 0 or 180 deg)
    direct = revs == 0
    bad = np.flatnonzero(direct & ~ok)
    assert bad.size == 0, "M=0 refused: " + describe(bad[0])

    # M > 0: feasibility decided independently by Lagrange's equation;
    # a 0.1 % band around the minimum time is left undecided
    multi = np.flatnonzero(revs > 0)
    if multi.size:
        tmin = multirev_tmin(mu, r1[multi], r2[multi], revs[multi], prograde)
        feasible = multi[tof[multi] > 1.001 * tmin]
        infeasible = multi[tof[multi] < 0.999 * tmin]
        bad = feasible[status[feasible] != OK]
        assert bad.size == 0, "feasible multi-rev refused: " + describe(bad[0])
        bad = infeasible[status[infeasible] != NO_SOLUTION]
        assert bad.size == 0, "infeasible multi-rev not NO_SOLUTION: " + describe(bad[0])

    # every OK answer flies: propagate (r1, v1) for tof, land on (r2, v2)
    idx = np.flatnonzero(ok)
    assert_lands(exact_propagate, mu, r1[idx], r2[idx], tof[idx], v1[idx], v2[idx], what="property")
    # and goes the requested way round (skip planes within 1e-3 rad of polar,
    # where the sign of h_z is not well defined)
    h = np.cross(r1[idx], v1[idx])
    hz = h[:, 2] / np.linalg.norm(h, axis=1)
    clear = np.abs(hz) > 1e-3
    assert np.all((hz[clear] > 0) == prograde)


# ---------------------------------------------------------------------------
# recovering a known orbit
# ---------------------------------------------------------------------------


def _state_from_elements(mu, a, e, incl, node, argp, nu):
    p = a * (1.0 - e**2)
    r = p / (1.0 + e * np.cos(nu))
    rp = np.stack([r * np.cos(nu), r * np.sin(nu), np.zeros_like(nu)], axis=1)
    vp = np.stack([-np.sin(nu), e + np.cos(nu), np.zeros_like(nu)], axis=1) * np.sqrt(mu / p)[:, None]
    cO, sO, ci, si, cw, sw = (np.cos(node), np.sin(node), np.cos(incl), np.sin(incl),
                              np.cos(argp), np.sin(argp))
    rot = np.empty((a.size, 3, 3))
    rot[:, 0] = np.stack([cO * cw - sO * sw * ci, -cO * sw - sO * cw * ci, sO * si], axis=1)
    rot[:, 1] = np.stack([sO * cw + cO * sw * ci, -sO * sw + cO * cw * ci, -cO * si], axis=1)
    rot[:, 2] = np.stack([sw * si, cw * si, ci], axis=1)
    return np.einsum("nij,nj->ni", rot, rp), np.einsum("nij,nj->ni", rot, vp)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    a=_floats(0.5, 3.0),
    e=_floats(0.0, 0.9),
    incl=_floats(0.0, math.pi),
    node=_floats(0.0, TWO_PI),
    argp=_floats(0.0, TWO_PI),
    nu=_floats(0.0, TWO_PI),
    periods=_floats(0.05, 3.95),
)
def test_recovers_known_elliptic_orbit(a, e, incl, node, argp, nu, periods):
    """Fly a known ellipse for ``periods`` periods; Lambert with M = floor(periods)
    must find its velocity on one of the two paths (the only one for M = 0)."""
    mu = 1.0
    r1, v1_true = _state_from_elements(mu, a, e, incl, node, argp, nu)
    period = TWO_PI * np.sqrt(a**3 / mu)
    tof = periods * period
    r2, v2_true, stp = propagate_batch(mu, r1, v1_true, tof)
    assert np.all(stp == 0)
    revs = np.floor(periods).astype(np.int64)
    h_z = np.cross(r1, v1_true)[:, 2] / np.linalg.norm(np.cross(r1, v1_true), axis=1)
    swept = transfer_angle(r1, r2, True)
    swept = np.where(h_z > 0, swept, TWO_PI - swept)
    # well-posed only: plane not near polar (sense of motion defined), transfer
    # angle away from 0 and 180 deg (plane defined by r1 x r2)
    keep = ((np.abs(h_z) > 0.05)
            & (np.abs(np.sin(swept)) > 0.05) & (np.cos(swept) < 0.99))
    for prograde in (True, False):
        sel = np.flatnonzero(keep & ((h_z > 0) == prograde))
        if sel.size == 0:
            continue
        best = np.full(sel.size, np.inf)
        for low_path in (True, False):
            v1, v2, status = lambert_batch(mu, r1[sel], r2[sel], tof[sel], revs=revs[sel],
                                           prograde=prograde, low_path=low_path)
            bad = sel[status != OK]
            assert bad.size == 0, (
                f"refused a problem flown by a real orbit: r1={r1[bad[0]].tolist()!r}, "
                f"r2={r2[bad[0]].tolist()!r}, tof={tof[bad[0]]!r}, revs={revs[bad[0]]}, "
                f"prograde={prograde}, low_path={low_path}")
            err = np.linalg.norm(v1 - v1_true[sel], axis=1) / np.linalg.norm(v1_true[sel], axis=1)
            best = np.minimum(best, err)
            # M = 0 has one solution: both values of low_path must return it
            zero = revs[sel] == 0
            assert np.all(err[zero] < 1e-7), f"M=0 recovery error {err[zero].max():.2e}"
        worst = np.argmax(best)
        assert best[worst] < 1e-7, (
            f"no path recovers v1: r1={r1[sel][worst].tolist()!r}, r2={r2[sel][worst].tolist()!r}, "
            f"tof={tof[sel][worst]!r}, revs={revs[sel][worst]}, v1_true={v1_true[sel][worst].tolist()!r}, "
            f"rel err {best[worst]:.2e}")


def test_recovers_known_hyperbola():
    mu = 398600.4418
    rng = np.random.default_rng(840)
    n = 200
    a = -rng.uniform(5000.0, 50000.0, n)
    e = rng.uniform(1.05, 4.0, n)
    p = a * (1 - e**2)
    nu_max = np.arccos(-1.0 / e)
    nu = rng.uniform(-0.8, 0.3, n) * nu_max
    incl = rng.uniform(0.0, math.pi, n)
    node = rng.uniform(0.0, TWO_PI, n)
    argp = rng.uniform(0.0, TWO_PI, n)
    r1, v1_true = _state_from_elements(mu, a, e, incl, node, argp, nu)
    del p
    tof = rng.uniform(300.0, 20000.0, n)
    r2, v2_true, stp = propagate_batch(mu, r1, v1_true, tof)
    assert np.all(stp == 0)
    h_z = np.cross(r1, v1_true)[:, 2] / np.linalg.norm(np.cross(r1, v1_true), axis=1)
    swept = transfer_angle(r1, r2, True)
    swept = np.where(h_z > 0, swept, TWO_PI - swept)
    keep = (np.abs(h_z) > 0.05) & (np.abs(np.sin(swept)) > 0.05)
    for prograde in (True, False):
        sel = np.flatnonzero(keep & ((h_z > 0) == prograde))
        v1, v2, status = lambert_batch(mu, r1[sel], r2[sel], tof[sel], prograde=prograde)
        assert np.all(status == OK)
        np.testing.assert_allclose(v1, v1_true[sel], rtol=1e-8, atol=0)
        np.testing.assert_allclose(v2, v2_true[sel], rtol=1e-8, atol=0)


# ---------------------------------------------------------------------------
# never wrong as OK
# ---------------------------------------------------------------------------


def test_never_wrong_as_ok_mixed_feasibility(exact_propagate):
    """A batch mixing feasible and infeasible multi-revolution problems.

    The minimum time for M revolutions is found independently (Lagrange's
    equation); times below it must come back NO_SOLUTION with NaN velocities,
    times above it OK and flying, on both paths and both senses.
    """
    rng = np.random.default_rng(2015)
    mu = 398600.4418
    n_geom = 40
    radius1 = rng.uniform(7000.0, 40000.0, n_geom)
    radius2 = rng.uniform(7000.0, 40000.0, n_geom)
    theta = rng.uniform(0.05, TWO_PI - 0.05, n_geom)
    incl = rng.uniform(0.0, math.pi, n_geom)
    node = rng.uniform(0.0, TWO_PI, n_geom)
    arg = rng.uniform(0.0, TWO_PI, n_geom)
    r1g, r2g = _geometry(radius1, radius2, theta, incl, node, arg)
    factors = np.array([0.2, 0.5, 0.9, 0.99, 0.998, 1.002, 1.01, 1.1, 2.0, 5.0])
    revs_choices = np.array([1, 2, 3])
    # every geometry x revs x factor
    gi, ri, fi = np.meshgrid(np.arange(n_geom), np.arange(revs_choices.size),
                             np.arange(factors.size), indexing="ij")
    gi, ri, fi = gi.ravel(), ri.ravel(), fi.ravel()
    r1, r2 = r1g[gi], r2g[gi]
    revs = revs_choices[ri]
    for prograde in (True, False):
        tmin = multirev_tmin(mu, r1, r2, revs, prograde)
        tof = factors[fi] * tmin
        feasible = factors[fi] > 1.0
        for low_path in (True, False):
            v1, v2, status = lambert_batch(mu, r1, r2, tof, revs=revs, prograde=prograde,
                                           low_path=low_path)
            wrong = np.flatnonzero(~feasible & (status != NO_SOLUTION))
            assert wrong.size == 0, (
                f"infeasible reported {status[wrong[0]]}: r1={r1[wrong[0]].tolist()!r}, "
                f"r2={r2[wrong[0]].tolist()!r}, tof={tof[wrong[0]]!r} (Tmin {tmin[wrong[0]]!r}), "
                f"revs={revs[wrong[0]]}, prograde={prograde}, low_path={low_path}")
            assert np.all(np.isnan(v1[~feasible])) and np.all(np.isnan(v2[~feasible]))
            refused = np.flatnonzero(feasible & (status != OK))
            assert refused.size == 0, (
                f"feasible reported {status[refused[0]]}: r1={r1[refused[0]].tolist()!r}, "
                f"r2={r2[refused[0]].tolist()!r}, tof={tof[refused[0]]!r} "
                f"(Tmin {tmin[refused[0]]!r}), revs={revs[refused[0]]}, prograde={prograde}, "
                f"low_path={low_path}")
            assert_lands(exact_propagate, mu, r1[feasible], r2[feasible], tof[feasible], v1[feasible],
                         v2[feasible], what=f"prograde={prograde} low_path={low_path}")
        # the two paths are different transfers (except right at T_min)
        v1_lo, _, _ = lambert_batch(mu, r1, r2, tof, revs=revs, prograde=prograde, low_path=True)
        v1_hi, _, _ = lambert_batch(mu, r1, r2, tof, revs=revs, prograde=prograde, low_path=False)
        far = feasible & (factors[fi] >= 1.1)
        assert np.all(np.linalg.norm(v1_lo[far] - v1_hi[far], axis=1) > 1e-6)


def test_zero_and_negative_tof_are_not_ok():
    r1 = np.array([[7000.0, 0, 0], [7000.0, 0, 0]])
    r2 = np.array([[0.0, 8000, 0], [0.0, 8000, 0]])
    v1, v2, status = lambert_batch(MU_EARTH, r1, r2, np.array([0.0, -100.0]))
    assert np.all(status != OK)
    assert np.all(np.isnan(v1)) and np.all(np.isnan(v2))


def test_degenerate_geometries_are_never_wrong_as_ok(exact_propagate):
    """Exactly 0 or 180 degrees: the transfer plane is undefined. The solver may
    refuse (status != OK, NaN) or pick a plane, but an answer reported OK must fly."""
    r1 = np.array([[1.0, 0, 0], [1.0, 0, 0], [1.0, 0, 0], [1.0, 0, 0], [0.6, 0.8, 0.0], [1, 2, 3.0]])
    r2 = np.array([[-1.0, 0, 0], [-2.0, 0, 0], [2.0, 0, 0], [1.0, 0, 0], [-1.2, -1.6, 0.0],
                   [-2, -4, -6.0]])
    for revs in (0, 1, 2):
        tof = np.full(len(r1), 3.0 + 2.0 * TWO_PI * revs)
        for prograde in (True, False):
            for low_path in (True, False):
                v1, v2, status = lambert_batch(1.0, r1, r2, tof, revs=revs, prograde=prograde,
                                               low_path=low_path)
                ok = status == OK
                assert np.all(np.isnan(v1[~ok])) and np.all(np.isnan(v2[~ok]))
                assert_lands(exact_propagate, 1.0, r1[ok], r2[ok], tof[ok], v1[ok], v2[ok],
                             what=f"degenerate revs={revs}")


def test_nearly_coincident_positions_multi_rev_lands(exact_propagate):
    """Found by the property test: r2 within 1e-6 of r1, one revolution, left branch, retrograde.
    r1 - r2 taken from the two norms lost 10 digits of rho, and 12 revolutions of flight turned
    that into a 1.2e-8 miss; from the chord vector the answer lands to 1e-13."""
    r1 = np.array([[-0.9615158258033981, -0.2747495527377787, 0.0]])
    r2 = np.array([[-0.9615155510533645, -0.27475051425346725, 0.0]])
    tof = np.array([72.83190769569251])
    for low_path in (True, False):
        v1, v2, status = lambert_batch(1.0, r1, r2, tof, revs=1, prograde=False, low_path=low_path)
        assert status[0] == 0
        assert_lands(exact_propagate, 1.0, r1, r2, tof, v1, v2, what=f"low_path={low_path}", pos_rtol=1e-11)


# ---------------------------------------------------------------------------
# the iteration's short-step check (Izzo's T(x), its derivatives, the bound)
# ---------------------------------------------------------------------------


def _tof_longdouble(x, lam):
    """Izzo's T(x) for zero revolutions (his eq. 18), written afresh in numpy's long
    double: an independent, more precise evaluation than the solver's own."""
    x = np.asarray(x, dtype=np.longdouble)
    lam = np.asarray(lam, dtype=np.longdouble)
    one = np.longdouble(1)
    y = np.sqrt(one - lam * lam * (one - x * x))
    q = one - x * x
    with np.errstate(invalid="ignore"):
        psi = np.where(x < one, np.arccos(np.clip(x * y + lam * q, -one, one)),
                       np.arccosh(np.maximum(x * y - lam * (x * x - one), one)))
    return (psi / np.sqrt(np.abs(q)) - x + lam * y) / q


def _random_points(rng, n):
    """Values of lam across (-1, 1), crowding towards +/-1, and x on both branches
    away from the parabola (where eq. 18 itself cancels)."""
    lam = np.tanh(rng.uniform(-6.0, 6.0, n))
    x = np.where(rng.random(n) < 0.7, rng.uniform(-0.95, 0.9, n), rng.uniform(1.1, 4.0, n))
    return lam, x


def test_fourth_derivative_of_the_time_of_flight_is_the_slope_of_the_third():
    """d4 (derived here from Izzo's eq. 22) against a central difference of his d3."""
    from sojourn.core.lambert import _dtof_inv

    rng = np.random.default_rng(22)
    lam, x = _random_points(rng, 400)
    lam = np.clip(lam, -0.99, 0.99)  # the difference itself loses digits where d3 is steep
    for la, xx in zip(lam, x):
        def d(k, at):
            t = float(_tof_longdouble(at, la))
            y = math.sqrt(1.0 - la * la * (1.0 - at * at))
            return _dtof_inv(at, y, t, la, 1.0 / (1.0 - at * at))[k]

        def central(h):
            return (d(2, xx + h) - d(2, xx - h)) / (2.0 * h)

        slope = (4.0 * central(5e-5) - central(1e-4)) / 3.0  # Richardson: error of order h^4
        assert d(3, xx) == pytest.approx(slope, rel=1e-7, abs=1e-9 * abs(d(2, xx))), (la, xx)


def test_the_short_step_bound_bounds_what_the_taylor_polynomial_leaves_out():
    """|T(x + dx) - T(x) - (Taylor polynomial of degree 4)| <= the bound's estimate of the rest, for
    steps up to the largest accepted (1 % of the way to T's nearest singularity), T evaluated
    independently in long double.

    The derivatives come from the solver's formulas in double, whose round-off puts a floor of about
    1e-15 T under what the polynomial leaves out: allowed for as 1e-14 T, a tenth of the solver's
    tolerance. |lam| <= 0.9 keeps the floor there (nearer 1 it rises as T's own evaluation loses digits).
    """
    from sojourn.core.lambert import _SHORT_STEP, _dtof_inv, _step_residual

    rng = np.random.default_rng(2015)
    lam, x = _random_points(rng, 4000)
    lam = np.clip(lam, -0.9, 0.9)
    inv = 1.0 / (1.0 - x * x)
    y = np.sqrt(1.0 - lam * lam * (1.0 - x * x))
    rho = 1.0 / np.maximum.reduce([np.abs(lam) / y, np.abs((1.0 + x) * inv), np.abs((1.0 - x) * inv)])
    dx = rho * _SHORT_STEP * 10.0 ** rng.uniform(-3.0, 0.0, x.size) * rng.choice([-1.0, 1.0], x.size)
    t0 = _tof_longdouble(x, lam)
    step = _taylor_increment(x, y, t0, lam, inv, dx, _dtof_inv)
    left_out = np.abs(_tof_longdouble(x + dx, lam) - t0 - step).astype(float)
    # with f = minus the polynomial's own increment, the bound returns its estimate of the rest alone
    rest = np.array([_step_residual(-float(s), d, *_dtof_inv(xx, yy, float(tt), la, ii)[:4], abs(d) / r)
                     for s, d, xx, yy, tt, la, ii, r in zip(step, dx, x, y, t0, lam, inv, rho)])
    floor = 1e-14 * np.abs(t0.astype(float))
    assert np.all(left_out <= rest + floor), float(np.max(left_out / (rest + floor)))
    measured = left_out > 10.0 * floor  # where the series' own remainder stands above the round-off
    assert measured.sum() > 100
    assert np.max(left_out[measured] / rest[measured]) > 0.02  # an estimate, not a bound far above it


def _taylor_increment(x, y, t, lam, inv, dx, dtof):
    out = np.empty(x.size, dtype=np.longdouble)
    for i in range(x.size):
        d1, d2, d3, d4, _ = dtof(x[i], y[i], float(t[i]), lam[i], inv[i])
        h = np.longdouble(dx[i])
        out[i] = h * (d1 + h * (d2 / 2 + h * (d3 / 6 + h * d4 / 24)))
    return out


def test_warm_started_solutions_meet_the_tolerance_however_they_were_checked():
    """Solves started near their root end in one step accepted on the bound, or in more
    steps checked by evaluating T: either way the residual, evaluated in long double,
    is within the iteration's tolerance (|lam| < 0.999: nearer 1 the solver's own
    evaluation of T loses digits, as any evaluation in double does)."""
    from numba import njit

    from sojourn.core.lambert import _T_TOL_FAST, _solve_x

    @njit
    def solve(t, lam, starts):
        nan = math.nan
        out = np.empty((t.size, 2))
        for i in range(t.size):
            x0, _, _, _ = _solve_x(t[i], lam[i], 0, True, nan, (nan, nan, nan))
            x, _, st, _ = _solve_x(t[i], lam[i], 0, True, x0 + starts[i], (nan, nan, nan))
            out[i, 0], out[i, 1] = x, st
        return out

    rng = np.random.default_rng(7)
    n = 20000
    lam = rng.uniform(-0.999, 0.999, n)
    t = 10.0 ** rng.uniform(-1.0, 2.5, n)
    starts = 10.0 ** rng.uniform(-9.0, -1.5, n) * rng.choice([-1.0, 1.0], n)
    out = solve(t, lam, starts)
    assert np.all(out[:, 1] == OK)
    residual = np.abs(_tof_longdouble(out[:, 0], lam) / t - 1.0).astype(float)
    assert residual.max() <= _T_TOL_FAST * 1.05, residual.max()
