"""The people search benchmark's directory: users' names, u0's personal contacts, and
the patterns a searcher types."""

from __future__ import annotations

import random

from xivo_cti.userdata import Contact

__all__ = ["contacts", "name", "patterns"]

FIRST = ["Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Hugo", "Inès", "Jules",
         "Karim", "Léa", "Marc", "Nora", "Olivier", "Pauline", "Quentin", "Rose", "Sami",
         "Théo"]  # fmt: skip
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
        "Dupont"]  # fmt: skip


def name(i: int) -> str:
    """User i's full name (first, last, and a number: 500 users share a pair)."""
    return f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i // 500}"


def patterns(users: int) -> list[str]:
    """Typed patterns: 3 to 6 letters of a name, or digits of an extension."""
    rng = random.Random(7)
    found = []
    for _ in range(500):
        text = (
            name(rng.randrange(users)) if rng.random() < 0.8 else str(1000 + rng.randrange(users))
        )
        start = rng.randrange(max(1, len(text) - 3))
        found.append(text[start : start + rng.randint(3, 6)].strip() or text[:3])
    return found


def contacts(count: int) -> list[Contact]:
    """``count`` personal contacts, each with a company and a mobile number."""
    return [
        Contact(id=f"c{i}", firstname=FIRST[i % 20], lastname=f"Contact{i}",
                company=f"Company {i % 17}", number=f"06{i:08d}")
        for i in range(count)
    ]  # fmt: skip
