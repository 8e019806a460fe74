"""The error a command handler raises to answer with an ``error_string``."""

from __future__ import annotations

__all__ = ["CommandError"]


class CommandError(Exception):
    """A command was refused or failed; ``error_string`` goes back to the client."""

    def __init__(self, error_string: str) -> None:
        super().__init__(error_string)
        self.error_string = error_string
