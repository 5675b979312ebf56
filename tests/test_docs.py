"""The documentation cannot rot: every Python block of docs/*.md runs, in order, page by page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.md"))
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks(page: Path) -> list[str]:
    """The ```python blocks of a page, in order."""
    return _BLOCK.findall(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)], ids=lambda p: p.name)
def test_every_python_block_of_the_page_runs(page, monkeypatch, tmp_path, capsys):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)  # the pages name examples/ulysses.toml as a user in the project would
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for i, code in enumerate(blocks(page)):
        try:
            exec(compile(code, f"{page.name} block {i + 1}", "exec"), namespace)
        except Exception as exc:  # report which block of which page broke
            pytest.fail(f"{page.name}, block {i + 1} raised {type(exc).__name__}: {exc}\n{code}")
    assert capsys.readouterr().out  # a page's code shows its reader something


def test_the_site_builds_offline_and_strictly(tmp_path):
    mkdocs = pytest.importorskip("mkdocs.commands.build")
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    mkdocs.build(config)
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8").count("sojourn.") > 20
