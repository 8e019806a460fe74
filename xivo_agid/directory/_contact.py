"""A directory match and the display-name template that turns its fields into a name."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Contact", "DisplayTemplate"]


@dataclass(frozen=True, kw_only=True)
class Contact:
    """What a source found: the display name and the name of the source that found it."""

    name: str
    source: str


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


class DisplayTemplate:
    """A ``format_columns.reverse`` template such as ``"{firstname} {lastname}"``.

    Only plain field names are allowed (no attribute access, indexing, conversion
    or format spec), so a template can neither fail nor reach into objects.
    """

    def __init__(self, template: str) -> None:
        fields = []
        for _text, name, spec, conversion in string.Formatter().parse(template):
            if name is None:
                continue
            if not name.isidentifier() or spec or conversion:
                raise ValueError(f"only plain {{column}} fields are allowed, got {template!r}")
            fields.append(name)
        if not fields:
            raise ValueError(f"names no column, got {template!r}")
        self.template = template
        self.fields: tuple[str, ...] = tuple(dict.fromkeys(fields))

    def render(self, values: Mapping[str, str]) -> str:
        """The name for a row; missing or empty columns become empty, spaces are squeezed."""
        return " ".join(self.template.format_map(_Blank(values)).split())
