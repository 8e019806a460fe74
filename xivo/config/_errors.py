"""The one error of configuration checking."""

from __future__ import annotations

__all__ = ["ConfigError"]


class ConfigError(Exception):
    """A configuration file or value is wrong; the message names the key."""
