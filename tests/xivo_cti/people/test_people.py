"""Tests of the contacts panel's classes (``People``), on a store in memory."""

from __future__ import annotations

import pytest

from tests.xivo_cti.conftest import sample_users
from tests.xivo_cti.userdata.memory import memory_store
from xivo_cti._errors import CommandError
from xivo_cti.people import CLASSES, People, UserIndex
from xivo_cti.userdata import ContactBooks

ALICE, BOB, CAROL = sample_users()
ANN = {"firstname": "Ann", "lastname": "Lee", "number": "0612", "mobile": "", "fax": "",
       "email": "", "company": "ACME"}  # fmt: skip


def run(coro_or_value):
    """The result of a handler that did not need to wait."""
    if isinstance(coro_or_value, dict):
        return coro_or_value
    try:
        coro_or_value.send(None)
    except StopIteration as e:
        return e.value
    raise AssertionError("waited")


def people(max_contacts: int = 10):
    store, runner = memory_store()
    users = {u.id: u for u in sample_users()}
    return People(ContactBooks(store), users.get, "xivo", max_contacts,
                  UserIndex(sample_users())), runner  # fmt: skip


def ask(p: People, klass: str, user=ALICE, **body):
    return run(CLASSES[klass](p, user, body))


def entries(reply) -> list[tuple[str, str, str]]:
    return [(r["source"], r["relations"]["source_entry_id"], r["column_values"][0])
            for r in reply["results"]]  # fmt: skip


def test_search_finds_personal_contacts_then_colleagues():
    """One pattern over the user's own contacts and the CTI users; others' contacts not."""
    p, _ = people()
    created = ask(p, "people_create_personal_contact", contact_infos=ANN)
    assert created["class"] == "people_personal_contact_created"
    ask(p, "people_create_personal_contact", user=BOB, contact_infos={**ANN, "firstname": "Bo"})
    reply = ask(p, "people_search", pattern="a")
    assert reply["class"] == "people_search_result"
    (contact_id,) = [i for s, i, _ in entries(reply) if s == "personal"]
    assert entries(reply) == [("personal", contact_id, "Ann Lee"), ("internal", "1", "alice"),
                              ("internal", "3", "carol")]  # fmt: skip
    with pytest.raises(CommandError, match="invalid_pattern"):
        ask(p, "people_search", pattern="x" * 200)


def test_favorites_of_colleagues_and_contacts():
    """Starred entries come back in people_favorites, marked in searches; unstar removes."""
    p, _ = people()
    ask(p, "people_create_personal_contact", contact_infos=ANN)
    (contact_id,) = [i for s, i, _ in entries(ask(p, "people_personal_contacts"))]
    update = ask(p, "people_set_favorite", source="internal", source_entry_id="2", favorite=True)
    assert update == {"class": "people_favorite_update", "source": "internal",
                      "source_entry_id": "2", "favorite": True}  # fmt: skip
    ask(p, "people_set_favorite", source="personal", source_entry_id=contact_id, favorite=True)
    favorites = ask(p, "people_favorites")
    assert favorites["class"] == "people_favorites_result"
    assert sorted(entries(favorites)) == [("internal", "2", "bob"),
                                          ("personal", contact_id, "Ann Lee")]  # fmt: skip
    bob_row = ask(p, "people_search", pattern="bob")["results"][0]
    assert bob_row["column_values"][5] is True
    ask(p, "people_set_favorite", source="internal", source_entry_id="2", favorite=False)
    assert entries(ask(p, "people_favorites")) == [("personal", contact_id, "Ann Lee")]
    for bad in [{"source": "ldap", "source_entry_id": "1"},
                {"source": "internal", "source_entry_id": "99"}]:  # fmt: skip
        with pytest.raises(CommandError, match="unknown_entry"):
            ask(p, "people_set_favorite", favorite=True, **bad)


def test_edit_raw_delete_and_purge_personal_contacts():
    """raw gives the dialog's fields, edit replaces them, delete and purge remove."""
    p, _ = people()
    ask(p, "people_create_personal_contact", contact_infos=ANN)
    ask(p, "people_create_personal_contact", contact_infos={**ANN, "firstname": "Zed"})
    ids = [i for _, i, name in entries(ask(p, "people_personal_contacts")) if name == "Ann Lee"]
    key = {"source": "personal", "source_entry_id": ids[0]}
    raw = ask(p, "people_personal_contact_raw", **key)
    assert raw["class"] == "people_personal_contact_raw_result" and raw["contact_infos"] == ANN
    edited = ask(p, "people_edit_personal_contact", contact_infos={**ANN, "number": "0700"}, **key)
    assert edited["class"] == "people_personal_contact_raw_update"
    assert ask(p, "people_personal_contact_raw", **key)["contact_infos"]["number"] == "0700"
    assert ask(p, "people_delete_personal_contact", **key) == {
        "class": "people_personal_contact_deleted",
        **key,
    }
    with pytest.raises(CommandError, match="unknown_entry"):
        ask(p, "people_personal_contact_raw", **key)
    with pytest.raises(CommandError, match="unknown_entry"):
        ask(p, "people_delete_personal_contact", user=BOB,
            source="personal", source_entry_id=ids[0])  # fmt: skip
    assert ask(p, "people_purge_personal_contacts")["class"] == "people_personal_contacts_purged"
    assert ask(p, "people_personal_contacts")["results"] == []


def test_a_wrong_contact_writes_nothing():
    """Refused before any write: the reason in the error, the store untouched."""
    p, runner = people()
    with pytest.raises(CommandError, match="invalid_contact:email: not an email address"):
        ask(p, "people_create_personal_contact", contact_infos={**ANN, "email": "x"})
    assert runner.plans == []


def test_contacts_per_user_are_bounded():
    """Past max_contacts, creating is refused and an import creates only what fits."""
    p, _ = people(max_contacts=2)
    ask(p, "people_create_personal_contact", contact_infos=ANN)
    result = ask(p, "people_import_personal_contacts_csv",
                 csv_contacts="firstname,number\nB,1\nC,2\n")  # fmt: skip
    assert result["created_count"] == 1
    assert result["failed"] == [{"line": 3, "errors": ["too many contacts (at most 1 more)"]}]
    with pytest.raises(CommandError, match="too_many_contacts:2"):
        ask(p, "people_create_personal_contact", contact_infos=ANN)


def test_export_then_import_round_trips():
    """The exported CSV imported by another user gives the same contacts."""
    p, _ = people()
    ask(p, "people_create_personal_contact", contact_infos=ANN)
    exported = ask(p, "people_export_personal_contacts_csv")
    assert exported["class"] == "people_export_personal_contacts_csv_result"
    imported = ask(p, "people_import_personal_contacts_csv", user=CAROL,
                   csv_contacts=exported["csv_contacts"])  # fmt: skip
    assert imported == {"class": "people_import_personal_contacts_csv_result",
                        "created_count": 1, "failed": []}  # fmt: skip
    ids = [i for _, i, _ in entries(ask(p, "people_personal_contacts", user=CAROL))]
    raw = ask(p, "people_personal_contact_raw", user=CAROL, source="personal",
              source_entry_id=ids[0])  # fmt: skip
    assert raw["contact_infos"] == ANN


def test_store_down_is_service_unavailable():
    """A store failure answers service_unavailable (the client's panel shows a red dot)."""
    p, runner = people()
    runner.broken = True
    for klass in ("people_favorites", "people_search"):
        with pytest.raises(CommandError, match="service_unavailable"):
            ask(p, klass, pattern="a")
