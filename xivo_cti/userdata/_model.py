"""What the per-user store keeps: call history rows, queue outcomes, personal contacts."""

from __future__ import annotations

from dataclasses import dataclass, field

from xivo_cti.state import QueueCallLeft

__all__ = [
    "COLLEAGUES",
    "CONTACT_FIELDS",
    "MISSED",
    "PERSONAL",
    "RECEIVED",
    "SENT",
    "Contact",
    "HistoryRow",
    "QueueOutcome",
]

SENT, RECEIVED, MISSED = 0, 1, 2
"""History modes, as the desktop client numbers them."""

PERSONAL, COLLEAGUES = "personal", "internal"
"""The sources of contacts entries: the user's own contacts, the CTI users."""

CONTACT_FIELDS = ("firstname", "lastname", "number", "mobile", "fax", "email", "company")
"""The fields of a personal contact, in the client's contact dialog and in CSV files."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryRow:
    """One call in a user's history; ``calldate`` is an epoch time, ``duration`` seconds
    of conversation (0 for a missed call)."""

    login: str
    calldate: float
    mode: int
    extension: str
    fullname: str
    duration: int


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueOutcome:
    """A caller that left a queue of ``ipbx`` (answered or abandoned), kept for the queue
    statistics over a window."""

    ipbx: str
    left: QueueCallLeft


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """A personal contact of one user, ``id`` unique among that user's contacts."""

    id: str
    firstname: str = ""
    lastname: str = ""
    number: str = ""
    mobile: str = ""
    fax: str = ""
    email: str = ""
    company: str = ""
    search_text: str = field(init=False, repr=False, compare=False)
    """The fields case-folded, one a line: what a search pattern is looked for in."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "search_text", "\n".join(self.values()).casefold())

    def values(self) -> tuple[str, ...]:
        """The fields in ``CONTACT_FIELDS`` order."""
        return tuple(getattr(self, name) for name in CONTACT_FIELDS)
