"""Tests for xivo_agid.directory._contact."""

import pytest

from xivo_agid.directory._contact import Contact, DisplayTemplate


def test_template_renders_fields_and_squeezes_spaces():
    """Fields are substituted; missing or empty ones leave no stray spaces."""
    template = DisplayTemplate("{firstname} {lastname}")
    assert template.fields == ("firstname", "lastname")
    assert template.render({"firstname": "Alice", "lastname": "Martin"}) == "Alice Martin"
    assert template.render({"lastname": "Martin"}) == "Martin"
    assert template.render({}) == ""


@pytest.mark.parametrize("bad", ["{a.__class__}", "{a[0]}", "{a!r}", "{a:>10}", "no field", "{}"])
def test_template_refuses_anything_but_plain_fields(bad):
    """Attribute access, indexing, conversions, specs and field-less templates are refused."""
    with pytest.raises(ValueError):
        DisplayTemplate(bad)


def test_contact_is_frozen_and_keyword_only():
    """A Contact cannot be changed after it is built."""
    contact = Contact(name="Alice", source="phonebook")
    with pytest.raises(AttributeError):
        contact.name = "Bob"
    with pytest.raises(TypeError):
        Contact("Alice", "phonebook")
