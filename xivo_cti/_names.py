"""Names that travel in routing keys and AMI header names: ipbx ids among them."""

from __future__ import annotations

import re

__all__ = ["check_ipbx_id", "is_name"]

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_name(value: object) -> bool:
    """Whether ``value`` is 1 to 64 letters, digits, '-' or '_'."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def check_ipbx_id(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` can name an ipbx (it is part of routing keys)."""
    if not is_name(value):
        raise ValueError(f"an ipbx id is 1 to 64 letters, digits, '-' or '_', got {value!r}")
