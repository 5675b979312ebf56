"""The web app in a real browser: Playwright driving Debian's headless Chromium against ``sojourn serve``.

The page is loaded from a real uvicorn server on loopback. The test computes a
porkchop, hovers and clicks a cell and reads its transfer, plans the Ulysses
example, plays the animation, moves the date slider, downloads the dossier and
the CZML, and breaks the scenario in the editor to see the error at its key
and line. Throughout, the console must stay free of errors (a Content-Security-
Policy violation is one) and no request may leave for another origin.
Screenshots are checked to be the page, not a blank. A second test opens the Mars time
and Low thrust tabs: the clock at Perseverance's landing, a range table, a low-thrust leg
optimised with its thrust profile and path drawn, and a larger search cancelled from the page.
With ``SOJOURN_WEB_SCREENSHOTS=DIR`` the screenshots are also written to DIR (the README's are
made so: ``SOJOURN_WEB_SCREENSHOTS=docs/images``).

Chromium is Debian's ``chromium`` package (``make test`` installs it as root);
Playwright's own browser download is not used. The test is skipped when
Chromium is missing and cannot be installed (not root).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
playwright = pytest.importorskip("playwright.sync_api")


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe:
        return exe
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.fail("chromium is not installed: `make browser` (part of `make test`) installs it as root")
    pytest.skip("chromium is not installed and cannot be installed without root")


@pytest.fixture(scope="module")
def server():
    """``sojourn serve``'s app on a free loopback port, in a thread; yields its origin."""
    import uvicorn

    from sojourn.web.app import create_app
    from sojourn.web.jobs import Capacity

    app = create_app(Capacity(workers=2, queue=8))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.time() + 180
    while not srv.started and time.time() < end:
        time.sleep(0.1)
    assert srv.started, "the server did not start"
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser_page(server):
    exe = _chromium()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        seen = {"console": [], "requests": []}
        page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
                else None)
        page.on("pageerror", lambda e: seen["console"].append(f"pageerror: {e}"))
        page.on("request", lambda r: seen["requests"].append(r.url))
        yield page, seen
        context.close()
        browser.close()


def _not_blank(path) -> None:
    """The screenshot is the page: the dark masthead over a light page, with charts and text in it."""
    from PIL import Image

    with Image.open(path) as im:
        px = np.asarray(im.convert("RGB"), dtype=float)
    assert px.shape[1] == 1440 and px.shape[0] >= 900
    assert px[:40].mean() < 80 < 200 < px[60:].mean()  # dark band on a light page
    assert px[60:].std() > 25  # charts, tables and text, not an empty page


def _shot(page, tmp_path, name: str, selector: str | None = None):
    """A screenshot of the page (or of one element), checked not blank; kept in $SOJOURN_WEB_SCREENSHOTS too."""
    path = tmp_path / f"serve-{name}.png"
    if selector is None:
        page.screenshot(path=path, full_page=True)
        _not_blank(path)
    else:
        page.locator(selector).screenshot(path=path)
    keep = os.environ.get("SOJOURN_WEB_SCREENSHOTS")
    if keep:
        shutil.copyfile(path, os.path.join(keep, path.name))
    return path


def _number(text: str, label: str) -> float:
    m = re.search(re.escape(label) + r"\s*([-\d.,]+)", text)
    assert m, f"{label!r} not in {text!r}"
    return float(m.group(1).replace(",", ""))


def test_the_app_in_a_browser(server, browser_page, ulysses_plan, tmp_path):
    page, seen = browser_page
    page.goto(f"{server}/#porkchop")
    page.wait_for_selector("#pc-best table tbody tr", timeout=180_000)
    rows = page.locator("#pc-best table tbody tr")
    assert rows.count() == 4  # least C3 and least v∞ for types I and II

    # hover a cell, then click it: the transfer's numbers are the cell's
    box = page.locator("#pc-chart .nsewdrag").first.bounding_box()
    x, y = box["x"] + 0.42 * box["width"], box["y"] + 0.5 * box["height"]
    page.mouse.move(x, y)
    page.wait_for_selector("#pc-tip:not([hidden])", timeout=10_000)
    tip = page.locator("#pc-tip").inner_text()
    assert "launch" in tip and "km²/s²" in tip and "DLA" in tip
    page.mouse.click(x, y)
    page.wait_for_selector("#pc-cell dl", timeout=60_000)
    cell = page.locator("#pc-cell").inner_text()
    assert _number(cell, "launch C3") == pytest.approx(_number(tip, "C3"), abs=0.011)
    assert _number(cell, "arrival v∞") == pytest.approx(_number(tip, "v∞ arr"), abs=0.011)
    assert re.search(r"launch\s+(\d{4}-\d\d-\d\d)", cell).group(1) == re.search(r"launch (\d{4}-\d\d-\d\d)", tip).group(1)
    page.wait_for_selector("#pc-traj .scatterlayer .trace", timeout=10_000)
    _shot(page, tmp_path, "porkchop")

    # the planner: plan the Ulysses example
    page.click("a[data-view=plan]")
    # (the page's CSP forbids eval: predicates are given as functions, which Playwright compiles itself)
    page.wait_for_function("() => document.querySelector('#plan-editor textarea').value.includes('Ulysses')")
    page.click("#plan-go")
    page.wait_for_selector("#plan-cards .card", timeout=240_000)
    cards = page.locator("#plan-cards").inner_text()
    assert f"{ulysses_plan.total_dv_kms:.2f} km/s" in cards
    assert ulysses_plan.launch.strftime("%Y-%m-%d") in cards and ulysses_plan.home.strftime("%Y-%m-%d") in cards
    page.wait_for_function("() => Number(document.querySelector('#plan-slider').max) > 100", timeout=120_000)

    # play the animation, then pause it; the slider and the date move
    before = page.locator("#plan-date").inner_text()
    page.click("#plan-play")
    page.wait_for_function("() => Number(document.querySelector('#plan-slider').value) > 10", timeout=20_000)
    page.click("#plan-play")
    stopped = page.locator("#plan-slider").input_value()
    page.wait_for_timeout(500)
    assert page.locator("#plan-slider").input_value() == stopped
    assert page.locator("#plan-date").inner_text() != before
    page.eval_on_selector("#plan-slider", "s => { s.value = s.max; s.dispatchEvent(new Event('input')); }")
    assert ulysses_plan.home.strftime("%Y-%m-%d") in page.locator("#plan-date").inner_text()
    # Earth-received times beside each event, Mars events in local solar time at the landing site
    events = page.locator("#plan-events").inner_text()
    landing = next(e for e in ulysses_plan.events if e.name == "Mars arrival")
    assert "Earth hears" in events and landing.received.strftime("%Y-%m-%d %H:%M") in events
    assert f"sol 0 · {landing.mars.ltst[:5]} LTST" in events
    assert "Time on Mars at Arcadia Planitia" in page.locator("#plan-details").inner_text()
    assert "CREW CLOCKS" in page.locator("#plan-cards").inner_text().upper()
    page.wait_for_function("() => document.querySelector('#plan-clock').textContent.includes('clocks')",
                           timeout=120_000)
    _shot(page, tmp_path, "plan")

    # downloads: the dossier and the CZML
    for what, name, marker in (("dossier", "ulysses.html", b"Ulysses"), ("czml", "ulysses.czml", b"sojourn/craft")):
        with page.expect_download(timeout=300_000) as dl:
            page.click(f"[data-download={what}]")
        assert dl.value.suggested_filename == name
        saved = tmp_path / name
        dl.value.save_as(saved)
        assert marker in saved.read_bytes()

    assert seen["console"] == []  # nothing went wrong so far

    # a mistake in the editor is shown at its key and line (the browser logs the 422 it gets: expected)
    page.eval_on_selector("#plan-editor textarea", "t => { t.value = t.value.replace('max_c3 = 15.0', "
                                                   "'max_c3 = -1'); t.dispatchEvent(new Event('input')); }")
    page.wait_for_selector("#plan-error:not([hidden])", timeout=20_000)
    error = page.locator("#plan-error").inner_text()
    text = page.eval_on_selector("#plan-editor textarea", "t => t.value")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("max_c3 = -1"))
    assert "constraints.max_c3" in error and f"line {line}" in error
    assert page.locator("#plan-editor .gutter .bad").inner_text() == str(line)

    # the Venus swing-by: its flyby in the cards, its table, and on the flight
    page.select_option("#plan-example", "opposition-venus")
    page.wait_for_function("() => document.querySelector('#plan-editor textarea').value.includes('via = [\"venus\"]')")
    page.click("#plan-go")
    page.wait_for_function("() => document.querySelector('#plan-cards').textContent.includes('Venus flyby')",
                           timeout=300_000)
    page.wait_for_function("() => [...document.querySelectorAll('#plan-flight .legendtext')]"
                           ".some((t) => t.textContent === 'flybys')", timeout=300_000)
    assert "Venus flyby" in page.locator("#plan-details").inner_text()
    assert "Venus flyby (" in page.locator("#plan-events").inner_text()
    page.eval_on_selector("#plan-slider", "s => { s.value = Math.round(0.9 * s.max); s.dispatchEvent(new Event('input')); }")
    _shot(page, tmp_path, "planner")

    # nothing else went wrong on the way, and nothing left this server
    assert [m for m in seen["console"] if "status of 422" not in m] == []
    others = [u for u in seen["requests"] if not (u.startswith(server) or u.startswith(("data:", "blob:")))]
    assert others == []


def test_the_api_docs_page_works_offline(server, browser_page):
    page, seen = browser_page
    before = len(seen["console"])
    page.goto(f"{server}/docs")
    page.wait_for_selector(".opblock", timeout=60_000)
    assert page.locator(".opblock").count() >= 15  # every endpoint listed from /openapi.json (OpenAPI 3.1)
    assert seen["console"][before:] == []
    assert [u for u in seen["requests"] if not u.startswith(server) and not u.startswith(("data:", "blob:"))] == []


def test_mars_time_and_low_thrust_in_a_browser(server, browser_page, tmp_path):
    page, seen = browser_page
    before = len(seen["console"])

    # Mars time: the clock at Perseverance's landing (about 15:53 local mean solar time), then a range table
    page.goto(f"{server}/?tab=1#marstime?site=jezero&when=2021-02-18T20:44")
    page.wait_for_selector("#mt-cards .card", timeout=60_000)
    page.wait_for_function("() => document.querySelector('#mt-cards').textContent.includes('2021-02-18')")
    cards = page.locator("#mt-cards").inner_text()
    assert re.search(r"LMST\s+15:5\d:\d\d", cards) and "Mars year" in cards.replace("MARS YEAR", "Mars year")
    assert re.fullmatch(r"\d\d:\d\d:\d\d", page.locator("#mt-ltst").inner_text())
    page.fill("#mt-start", "2030-01-01")
    page.fill("#mt-end", "2030-03-01")
    page.fill("#mt-step", "10")
    page.click("#mt-go")
    page.wait_for_function("() => document.querySelectorAll('#mt-table tbody tr').length === 6", timeout=30_000)
    page.wait_for_selector("#mt-chart .scatterlayer .trace", timeout=10_000)
    _shot(page, tmp_path, "marstime")

    # Low thrust: pykep's tutorial leg, coarse; its cards, thrust profile, path and estimate drawn
    page.goto(f"{server}/?tab=2#lowthrust?launch0=2020-04-01&launch1=2020-07-31&tof0=250&tof1=350&step=5"
              "&candidates=2&segments=10")
    page.wait_for_selector("#lt-form")
    page.click("#lt-go")
    page.wait_for_selector("#lt-cards .card", timeout=300_000)
    cards = page.locator("#lt-cards").inner_text()
    assert 1190 < _number(cards.replace("FINAL MASS", "Final mass"), "Final mass") < 1270  # pykep's optimum: 1,234 kg
    for chart in ("#lt-profile", "#lt-path", "#lt-estimate"):
        page.wait_for_selector(f"{chart} .scatterlayer .trace, {chart} .heatmaplayer", timeout=10_000)
    assert page.locator("#lt-candidates-table tbody tr").count() >= 1
    _shot(page, tmp_path, "lowthrust")

    # a larger search, cancelled from the page: the worker is freed, nothing is shown as an error
    page.fill("#lt-launch0", "2020-03-01")
    page.fill("#lt-launch1", "2020-09-01")
    page.fill("#lt-tof0", "150")
    page.fill("#lt-tof1", "400")
    page.fill("#lt-step", "2")
    page.fill("#lt-candidates", "5")
    page.fill("#lt-segments", "40")
    page.click("#lt-go")
    page.wait_for_selector("#lt-job button", timeout=60_000)
    page.click("#lt-job button")
    page.wait_for_selector("#lt-job", state="hidden", timeout=10_000)
    end = time.time() + 120
    while page.request.get(f"{server}/api/health").json()["active"] and time.time() < end:
        time.sleep(0.5)
    assert page.request.get(f"{server}/api/health").json()["active"] == 0
    assert page.locator("#lt-error").is_hidden()
    assert not page.locator("#lt-go").is_disabled()

    assert seen["console"][before:] == []
    others = [u for u in seen["requests"] if not (u.startswith(server) or u.startswith(("data:", "blob:")))]
    assert others == []
