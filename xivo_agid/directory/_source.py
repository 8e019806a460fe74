"""The contract every directory source follows, and the settings they all share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from twisted.internet.defer import Deferred

from xivo.config import positive

from ._contact import Contact, DisplayTemplate

__all__ = ["DirectorySource", "SourceConfig", "SourceUnavailable"]


class SourceUnavailable(Exception):
    """The source cannot answer now (server down, not loaded yet)."""


class DirectorySource(Protocol):
    """A reverse lookup backend.

    ``lookup`` gets the spellings of one number its ``number_format`` calls for
    (``_numbers.NUMBER_FORMATS``: every usual one, canonical first, for ``any``) and
    fires with the matching ``Contact`` or None; it fails on errors and stops its
    work when the Deferred is cancelled.  ``startService``/``stopService`` open
    and close whatever it holds (files, connections).  ``health`` reads state already
    in memory (no I/O) and returns ``(ok, details)`` for the /health report.
    """

    name: str
    number_format: str

    def lookup(self, candidates: Sequence[str]) -> Deferred[Contact | None]: ...

    def startService(self) -> None: ...

    def stopService(self) -> Deferred[None] | None: ...

    def health(self) -> tuple[bool, Mapping[str, Any]]: ...


def _check_format_columns(value: Mapping[str, str]) -> None:
    if "reverse" not in value:
        raise ValueError("needs a 'reverse' template, e.g. {reverse: '{firstname} {lastname}'}")
    DisplayTemplate(value["reverse"])


def _check_columns(value: Sequence[str]) -> None:
    if not value:
        raise ValueError("needs at least one column")


@dataclass(frozen=True)
class SourceConfig:
    """Keys every source type has (names follow wazo-dird's)."""

    type: str = ""
    first_matched_columns: tuple[str, ...] = field(
        default=("number",), metadata={"check": _check_columns}
    )
    format_columns: dict[str, str] = field(
        default_factory=lambda: {"reverse": "{name}"},
        metadata={"check": _check_format_columns},
    )
    timeout: float = field(default=0.5, metadata={"check": positive})
    """Seconds this source may take for one lookup (the whole lookup has its own deadline)."""
    concurrency: int = field(default=10, metadata={"check": positive})
    """Lookups this source runs at once; more wait their turn within ``timeout``."""

    @property
    def template(self) -> DisplayTemplate:
        """The display-name template of ``format_columns.reverse``."""
        return DisplayTemplate(self.format_columns["reverse"])
