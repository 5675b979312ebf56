"""Shared test fixtures."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest


# --- exact two-body propagation (used by test_kepler.py and test_lambert.py) ---


def _pi():
    """pi to the current decimal precision (recipe from the decimal module's docs)."""
    decimal.getcontext().prec += 2
    three = Decimal(3)
    lasts, t, s, n, na, d, da = 0, three, 3, 1, 0, 0, 24
    while s != lasts:
        lasts = s
        n, na = n + na, na + 8
        d, da = d + da, da + 32
        t = (t * n) / d
        s += t
    decimal.getcontext().prec -= 2
    return +s


def _cos(x):
    """cos(x) for |x| <= pi by its Taylor series, at the current decimal precision."""
    decimal.getcontext().prec += 2
    i, lasts, s, fact, num, sign = 0, 0, 1, 1, 1, 1
    while s != lasts:
        lasts = s
        i += 2
        fact *= i * (i - 1)
        num *= x * x
        sign *= -1
        s += num / fact * sign
    decimal.getcontext().prec -= 2
    return +s


def _sin(x):
    """sin(x) for |x| <= pi by its Taylor series, at the current decimal precision."""
    decimal.getcontext().prec += 2
    i, lasts, s, fact, num, sign = 1, 0, x, 1, x, 1
    while s != lasts:
        lasts = s
        i += 2
        fact *= i * (i - 1)
        num *= x * x
        sign *= -1
        s += num / fact * sign
    decimal.getcontext().prec -= 2
    return +s


def exact_two_body(mu, r0, v0, dt, digits=60):
    """Propagate a two-body state in decimal arithmetic, ``digits`` significant digits.

    An independent reference for the compiled Kepler kernel: the universal-
    variable Kepler equation solved by Newton's method kept inside a bracket
    (bisection whenever a Newton step would not at least halve it, so it cannot
    stall), Stumpff functions by their power series near
    z = 0 and by angle-reduced sin/cos or exp beyond. The inputs are taken as the
    exact binary values of the floats given; the answer is rounded to floats.
    Slow (milliseconds per state) and exact to far below double precision, even
    for near-rectilinear and strongly hyperbolic orbits.

    Returns
    -------
    r, v : list of float
    """
    with decimal.localcontext() as ctx:
        ctx.prec = digits
        mu = Decimal(float(mu))
        dt = Decimal(float(dt))
        r0 = [Decimal(float(x)) for x in r0]
        v0 = [Decimal(float(x)) for x in v0]
        rn = sum(x * x for x in r0).sqrt()
        sq = mu.sqrt()
        sigma = sum(a * b for a, b in zip(r0, v0)) / sq
        alpha = 2 / rn - sum(x * x for x in v0) / mu
        eps = Decimal(10) ** (-digits)
        pi = _pi()

        def series(z):
            c2 = c3 = Decimal(0)
            t2 = Decimal(1) / 2
            t3 = Decimal(1) / 6
            k = 0
            while True:
                c2 += t2
                c3 += t3
                if k > 2 and abs(t2) <= eps * abs(c2) and abs(t3) <= eps * abs(c3):
                    return c2, c3
                t2 *= -z / ((2 * k + 3) * (2 * k + 4))
                t3 *= -z / ((2 * k + 4) * (2 * k + 5))
                k += 1

        def stumpff(z):
            if abs(z) <= 1:
                return series(z)
            s = abs(z).sqrt()
            if z > 0:  # ellipse: reduce the angle, so many revolutions lose no digits
                two_pi = 2 * pi
                red = s - two_pi * (s / two_pi).to_integral_value()
                return (1 - _cos(red)) / z, (s - _sin(red)) / (s * s * s)
            ex = s.exp()
            return ((ex + 1 / ex) / 2 - 1) / -z, ((ex - 1 / ex) / 2 - s) / (s * s * s)

        def kepler(chi):
            z = alpha * chi * chi
            c2, c3 = stumpff(z)
            f = sigma * chi * chi * c2 + (1 - alpha * rn) * chi**3 * c3 + rn * chi - sq * dt
            r = chi * chi * c2 + sigma * chi * (1 - z * c3) + rn * (1 - z * c2)
            return f, r

        if dt == 0:
            return [float(x) for x in r0], [float(x) for x in v0]
        sign = 1 if dt > 0 else -1
        lo, hi = Decimal(0), sign * sq * abs(dt) / rn
        while sign * kepler(hi)[0] < 0:  # F is increasing (F' = r > 0): expand to a bracket
            lo, hi = hi, 2 * hi
        lo, hi = min(lo, hi), max(lo, hi)
        chi = (lo + hi) / 2
        for _ in range(5000):
            f, r = kepler(chi)
            if f > 0:
                hi = chi
            elif f < 0:
                lo = chi
            else:
                break
            new = chi - f / r
            if not (lo < new < hi) or abs(new - chi) > (hi - lo) / 2:
                new = (lo + hi) / 2
            done = abs(new - chi) <= 1000 * eps * max(abs(chi), Decimal(1))
            chi = new
            if done:
                break
        else:  # pragma: no cover - would be a bug in this reference
            raise RuntimeError("exact_two_body did not converge")
        z = alpha * chi * chi
        c2, c3 = stumpff(z)
        f = 1 - chi * chi * c2 / rn
        g = dt - chi**3 * c3 / sq
        r = [f * a + g * b for a, b in zip(r0, v0)]
        r1n = sum(x * x for x in r).sqrt()
        gdot = 1 - chi * chi * c2 / r1n
        fdot = sq / (r1n * rn) * chi * (z * c3 - 1)
        v = [fdot * a + gdot * b for a, b in zip(r0, v0)]
        return [float(x) for x in r], [float(x) for x in v]


@pytest.fixture(scope="session")
def exact_propagate():
    """The decimal-arithmetic two-body propagator :func:`exact_two_body`."""
    return exact_two_body


# --- markers (used by test_windows.py) ---


def pytest_configure(config):
    """Register the ``slow`` marker: tests of many seconds, deselect with ``-m "not slow"``."""
    config.addinivalue_line("markers", "slow: takes well over ~15 s; deselect with -m \"not slow\"")


# --- the story's mission, planned once for the whole run ---

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="session")
def ulysses_scenario():
    """The Ulysses scenario (examples/ulysses.toml)."""
    import sojourn as sj

    return sj.load_scenario(EXAMPLES / "ulysses.toml")


@pytest.fixture(scope="session")
def ulysses_plan(ulysses_scenario):
    """Ulysses' best plan, searched once per test run."""
    import sojourn as sj

    return sj.plan(ulysses_scenario)


@pytest.fixture(scope="session")
def venus_scenario():
    """The opposition class with a Venus swing-by home (examples/opposition-venus.toml), its launch window
    narrowed around its best launch (2033-04-15) to keep the run short."""
    import sojourn as sj

    data = sj.load_scenario(EXAMPLES / "opposition-venus.toml").to_dict()
    data["windows"].update(launch="2033-03-25:2033-05-05", step_days=1.0)
    return sj.Scenario.from_dict(data, source="opposition-venus.toml")


@pytest.fixture(scope="session")
def venus_plan(venus_scenario):
    """The Venus swing-by mission's best plan, searched once per test run."""
    import sojourn as sj

    return sj.plan(venus_scenario)


@pytest.fixture(scope="session")
def terminal_80():
    """A context manager inside which the command line prints as on an 80-column terminal."""
    import contextlib
    import sys
    from unittest import mock

    from rich.console import Console

    @contextlib.contextmanager
    def narrow():
        def console(stderr=False):
            return Console(file=sys.stderr if stderr else sys.stdout, width=80, highlight=False)

        with mock.patch("sojourn.cli.console", console):
            yield

    return narrow


@pytest.fixture(scope="session")
def in_one_row():
    """``in_one_row(text, *cells)``: a line of a printed table holds these cells, whole and in order."""
    import re

    def check(text: str, *cells: str) -> bool:
        pattern = r"(^|\s)" + r"\s+".join(re.escape(c) for c in cells) + r"(\s|$)"
        return any(re.search(pattern, line) for line in text.splitlines())

    return check
