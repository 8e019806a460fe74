from benchmarks.people_search.names import contacts, name, patterns


def test_every_pattern_finds_some_user() -> None:
    """Each typed pattern is part of some user's name or extension: a search that finds
    nothing would not measure the search."""
    users = 600
    texts = [name(i) for i in range(users)] + [str(1000 + i) for i in range(users)]
    typed = patterns(users)
    assert len(typed) == 500 and all(2 <= len(p) <= 6 for p in typed)  # a space stripped
    assert all(any(p in text for text in texts) for p in typed)


def test_contacts_are_distinct() -> None:
    made = contacts(40)
    assert len({c.id for c in made}) == len({c.number for c in made}) == 40
