"""``sojourn serve`` as a user starts it: it prints where it listens, answers, warns when exposed, stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

SRC = Path(__file__).resolve().parent.parent / "src"


def _start(*args: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "sojourn", "serve", "--port", "0", "--workers", "1", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    end = time.time() + 240
    while time.time() < end:
        line = proc.stdout.readline()
        m = re.search(r"(http://[\d.]+:\d+)/", line or "")
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"sojourn serve did not say where it listens: {proc.stderr.read()}")


def _stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, proc.stderr.read()


def test_serve_binds_loopback_prints_its_address_and_stops_on_ctrl_c():
    proc, url = _start()
    try:
        assert url.startswith("http://127.0.0.1:")
        health = httpx.get(f"{url}/api/health", timeout=30)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert "Content-Security-Policy" in httpx.get(f"{url}/", timeout=30).headers
    finally:
        code, err = _stop(proc)
    assert "warning" not in err
    assert code in (0, 130)


def test_serve_warns_when_the_host_exposes_it(capsys):
    from types import SimpleNamespace

    from sojourn.commands.serve import _announce

    server = SimpleNamespace(servers=[], config=SimpleNamespace(host="0.0.0.0", port=8000))
    _announce(server, exposed=True, open_browser=False)
    out, err = capsys.readouterr()
    assert "http://127.0.0.1:8000/" in out  # where a browser on this machine finds it
    assert "anyone who can reach this address can use this server" in err and "0.0.0.0" in err


@pytest.mark.parametrize("args, where", [(["--port", "70000"], "--port"), (["--workers", "0"], "--workers")])
def test_serve_options_are_checked(args, where, capsys):
    from sojourn.cli import main

    assert main(["serve", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and f"({where})" in err
