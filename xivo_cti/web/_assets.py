"""The panel's files, read once at start-up and served from memory (nothing is fetched
from elsewhere at run time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["STATIC", "Asset", "Assets"]

STATIC = Path(__file__).parent / "static"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Asset:
    """One file: its media type and content."""

    content_type: str
    body: bytes


class Assets:
    """URL path -> file; ``/`` is ``index.html``."""

    def __init__(self, files: dict[str, Asset]) -> None:
        self._files = dict(files)

    @classmethod
    def load(cls, folder: Path = STATIC) -> Assets:
        """Every file of known type directly in ``folder`` (a blocking read: at start-up)."""
        files = {
            f"/{path.name}": Asset(content_type=_TYPES[path.suffix], body=path.read_bytes())
            for path in sorted(folder.iterdir())
            if path.is_file() and path.suffix in _TYPES
        }
        if "/index.html" in files:
            files["/"] = files["/index.html"]
        return cls(files)

    def get(self, path: str) -> Asset | None:
        """The file at ``path`` (query string ignored), or None."""
        return self._files.get(path.split("?", 1)[0])
