"""End-to-end: the operator panel's queue panel (queues.js) in Debian's headless Chromium
against the real daemon and the rig's Asterisk: members paused and resumed, waiting
callers with a running wait.

Queue ``support`` of the rig has two static members (``Local/400X@agents/n``, answered at
once); ``Local/5001@queue`` is a caller named "Carol Waiting" <0611223344> that waits up
to a minute.  Fixtures and users: those of tests/e2e/test_web_panel.py (alice is a
supervisor, bob a plain user).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from testing.browser import wait_for
from testing.waiting import wait_until
from tests.e2e.test_cti_desktop import member_paused
from tests.e2e.test_cti_queues import MEMBERS, hang_up
from tests.e2e.test_web_panel import browser, ctid, log_in, shots

pytestmark = pytest.mark.e2e
__all__ = ["browser", "ctid", "shots"]  # the fixtures used here

CALLER = "Local/5001@queue"


@pytest.fixture
def paused_queue(asterisk) -> Iterator[None]:
    """Queue support with its static members paused (callers wait); unpaused at the end."""
    for member in MEMBERS:
        asterisk.cli(f"queue pause member {member} queue support")
    try:
        yield
    finally:
        for member in MEMBERS:
            asterisk.cli(f"queue unpause member {member} queue support")
        hang_up(asterisk, CALLER)


def waiting(driver: Any) -> list[dict[str, str]]:
    """The callers shown waiting in queue support: name, number, wait, and the count."""
    return driver.execute_script(
        """const q = [...document.querySelectorAll('#queue-list .queue')]
             .find(el => el.querySelector('.qname').textContent === 'support');
           return q ? [...q.querySelectorAll('.callers .caller')].map(el => ({
             name: el.querySelector('.cname').textContent,
             number: el.querySelector('.cnum').textContent,
             wait: el.querySelector('.wait').textContent,
             count: q.querySelector('.waiting').textContent})) : null"""
    )


def seconds(wait: str) -> int:
    minutes, secs = wait.split(":")
    return int(minutes) * 60 + int(secs)


def left_support(asterisk: Any) -> tuple[int, int]:
    """Queue support's completed and abandoned calls, as Asterisk counts them."""
    found = re.search(r"C:(\d+), A:(\d+)", asterisk.cli("queue show support"))
    assert found, asterisk.cli("queue show support")
    return int(found[1]), int(found[2])


def wait_for_carol(driver: Any) -> dict[str, str]:
    (caller,) = wait_for(driver, lambda d: waiting(d), "Carol waiting in support")
    assert caller["name"] == "Carol Waiting" and caller["number"] == "0611223344", caller
    assert caller["count"] == "1", caller
    return caller


def test_waiting_caller_shown_with_a_growing_wait_until_it_leaves(
    asterisk, ctid, browser, shots, paused_queue
):
    """While support's members are paused a caller waits: the panel shows its name, number
    and a wait that grows; it disappears when the caller hangs up (an abandoned call in
    Asterisk) and, for the next caller, when a resumed member answers (a completed one)."""
    log_in(browser, ctid, "alice")
    wait_for(browser, lambda d: waiting(d) == [], "queue support with no caller")
    completed, abandoned = left_support(asterisk)
    asterisk.cli(f"channel originate {CALLER} application Wait 60")
    first = seconds(wait_for_carol(browser)["wait"])
    assert 0 <= first < 30, first
    wait_for(browser, lambda d: seconds(waiting(d)[0]["wait"]) >= first + 2, "the wait growing")
    browser.save_screenshot(str(shots / "waiting-callers.png"))
    hang_up(asterisk, CALLER)
    wait_for(browser, lambda d: waiting(d) == [], "the caller gone once hung up")
    assert left_support(asterisk) == (completed, abandoned + 1)
    asterisk.cli(f"channel originate {CALLER} application Wait 60")
    wait_for_carol(browser)
    for member in MEMBERS:
        asterisk.cli(f"queue unpause member {member} queue support")
    wait_for(browser, lambda d: waiting(d) == [], "the caller gone once answered")
    wait_until(
        lambda: left_support(asterisk) == (completed + 1, abandoned + 1),
        timeout=20,
        what="the call completed in Asterisk",
    )


def test_queue_panel_pauses_and_resumes_a_member(asterisk, ctid, browser, shots):
    """A supervisor's queue panel lists queue support with its members and their pause
    state; Pause on agent 7 pauses it in Asterisk's queue, Resume resumes it. A plain
    user has no queue panel."""
    from selenium.webdriver.common.by import By

    asterisk.cli("queue add member Agent/7 to support")
    try:
        log_in(browser, ctid, "alice")
        button = wait_for(
            browser,
            lambda d: d.find_element(By.CSS_SELECTOR, '[aria-label="Pause Agent/7 in support"]'),
            "agent 7 in the queue panel",
        )
        state = button.find_element(By.XPATH, "..").find_element(By.CLASS_NAME, "mstate")
        assert state.text == "available" and member_paused(asterisk, "Agent/7") is False
        assert "waiting" in browser.find_element(By.CSS_SELECTOR, ".queue .qwaiting").text
        button.click()
        wait_until(
            lambda: member_paused(asterisk, "Agent/7"), timeout=20, what="paused in Asterisk"
        )
        wait_for(browser, lambda d: state.text == "paused", "shown paused")
        assert button.text == "Resume"
        browser.save_screenshot(str(shots / "queues.png"))
        button.click()
        wait_until(lambda: member_paused(asterisk, "Agent/7") is False, timeout=20, what="resumed")
        wait_for(browser, lambda d: state.text == "available", "shown available")
        log_in(browser, ctid, "bob")
        assert not browser.find_element(By.ID, "queues").is_displayed()
    finally:
        asterisk.cli("queue remove member Agent/7 from support")
