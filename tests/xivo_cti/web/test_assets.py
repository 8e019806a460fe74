"""The panel's files, read at start-up."""

from __future__ import annotations

from pathlib import Path

from xivo_cti.web._assets import Assets


def test_shipped_page_is_complete() -> None:
    """The page and what it links are all served from the package (nothing external)."""
    assets = Assets.load()
    page = assets.get("/")
    assert page is not None and page.content_type.startswith("text/html")
    html = page.body.decode()
    for name in ("panel.js", "panel.css"):
        assert f'"{name}"' in html and assets.get(f"/{name}") is not None
    assert "http://" not in html and "https://" not in html


def test_folder_read_by_type(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_bytes(b"<p>")
    (tmp_path / "app.js").write_bytes(b"1")
    (tmp_path / "notes.txt").write_bytes(b"x")
    assets = Assets.load(tmp_path)
    assert assets.get("/") == assets.get("/index.html")
    assert assets.get("/app.js?v=2").body == b"1"
    assert assets.get("/notes.txt") is None and assets.get("/../x") is None
