"""Tests of the STARTTLS negotiation state (the desktop clients' exchange)."""

from __future__ import annotations

from xivo_cti.cti._starttls import OFFER, Negotiation


def test_offer_is_the_bare_class() -> None:
    """The offer carries no ``starttls`` key: a client reads that key as the answer."""
    assert OFFER == {"class": "starttls"}


def test_wanted_and_available_upgrades() -> None:
    """status true with a certificate: reply starttls true, then upgrade."""
    outcome = Negotiation(True).received({"class": "starttls", "status": True})
    assert outcome.reply == {"class": "starttls", "starttls": True} and outcome.upgrade


def test_wanted_without_certificate_is_declined() -> None:
    """With no certificate the answer is starttls false and the client logs in in clear."""
    outcome = Negotiation(False).received({"class": "starttls", "status": True})
    assert outcome.reply == {"class": "starttls", "starttls": False} and not outcome.upgrade


def test_not_wanted_or_odd_status_is_declined() -> None:
    """Only a JSON true asks for TLS ("true", 1 and absence do not)."""
    for status in (False, "true", 1, None):
        outcome = Negotiation(True).received({"class": "starttls", "status": status})
        assert outcome.reply == {"class": "starttls", "starttls": False}, status
        assert not outcome.upgrade


def test_only_the_first_answer_counts() -> None:
    """The client repeats its answer after the upgrade: that one gets no reply at all."""
    negotiation = Negotiation(True)
    assert negotiation.received({"class": "starttls", "status": True}).upgrade
    again = negotiation.received({"class": "starttls", "status": True})
    assert again.reply is None and not again.upgrade


def test_too_late_after_another_message() -> None:
    """Once another message (login_id) came, a starttls message is ignored silently."""
    negotiation = Negotiation(True)
    negotiation.other_message()
    outcome = negotiation.received({"class": "starttls", "status": True})
    assert outcome.reply is None and not outcome.upgrade
