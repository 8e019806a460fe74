"""The ``history`` class: a user's last calls, in the shape the desktop client reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.userdata import HistoryRow, StoreError, UserData
from xivo_cti.users import User

__all__ = ["answer_history", "history_message", "requested_size"]


def requested_size(value: Any, limit: int) -> int:
    """The number of calls asked (``"8"`` or 8), at most ``limit``; ``CommandError`` if
    it is not a positive integer."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        value = int(value)
    if value is None:
        return limit
    if type(value) is not int or value < 1:
        raise CommandError("invalid_size")
    return min(value, limit)


def history_message(rows: Sequence[HistoryRow]) -> dict[str, Any]:
    """The answer: each call's date (ISO 8601, the server's local time), number, name,
    seconds of conversation and mode (0 sent, 1 received, 2 missed)."""
    return {
        "class": "history",
        "history": [
            {
                "calldate": datetime.fromtimestamp(row.calldate).isoformat(timespec="seconds"),
                "extension": row.extension,
                "fullname": row.fullname,
                "duration": row.duration,
                "mode": row.mode,
            }
            for row in rows
        ],
    }


async def answer_history(
    userdata: UserData, user: User, body: dict[str, Any], ipbxid: str
) -> dict[str, Any]:
    """The user's own last calls (``xuserid``, if given, must be the user's own id)."""
    xuserid = body.get("xuserid")
    if xuserid is not None and xuserid != f"{ipbxid}/{user.id}":
        raise CommandError("forbidden")
    size = requested_size(body.get("size"), userdata.config.history_size)
    userdata.writer.flush()  # the read below comes after these calls are written
    try:
        rows = await userdata.store.history(user.login, size)
    except StoreError:
        raise CommandError("service_unavailable") from None
    return history_message(rows)
