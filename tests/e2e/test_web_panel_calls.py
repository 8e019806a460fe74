"""End-to-end: the operator's calls on the panel, in Debian's headless Chromium, against
the real daemon, the rig's Asterisk 22 and a real xivo-agid naming the callers.

gina (``Local/300@panel_phone``, a phone that rings until answered) gets calls from
+33123456789 through ``[panel_incoming]``, whose FastAGI ``callerid_lookup`` finds
"Alice Martin" in xivo-agid's CSV phonebook; dave (extension 100) takes transfers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from testing.browser import chromium, wait_for
from testing.daemons import Daemon, free_port
from testing.waiting import wait_until
from tests.e2e.test_cti_server import channels
from tests.e2e.test_web_panel import Ctid, log_in, tiles

pytestmark = pytest.mark.e2e

CALLER = ("Alice Martin", "+33123456789")


@pytest.fixture(scope="module")
def agid(asterisk, tmp_path_factory) -> Iterator[int]:
    """The real xivo-agid with a CSV phonebook; the rig's ``PANEL_AGIPORT`` points at it."""
    tmp = tmp_path_factory.mktemp("agid")
    with (tmp / "phonebook.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["firstname", "lastname", "number"])
        writer.writerow(["Alice", "Martin", "01 23 45 67 89"])
    port = free_port()
    config = {
        "default_country": "FR",
        "listen": {"address": "127.0.0.1", "port": port},
        "http": {"port": free_port()},
        "reverse_lookup": {"timeout": 2, "sources": ["phonebook"]},
        "sources": {"phonebook": {
            "type": "csv", "file": str(tmp / "phonebook.csv"),
            "first_matched_columns": ["number"],
            "format_columns": {"reverse": "{firstname} {lastname}"}}},
    }  # fmt: skip
    daemon = Daemon("xivo-agid", yaml.safe_dump(config), tmp)
    try:
        daemon.wait_port(port)
        asterisk.cli(f"dialplan set global PANEL_AGIPORT {port}")
        yield port
    finally:
        daemon.stop()


@pytest.fixture(scope="module")
def ctid(asterisk, agid, tmp_path_factory) -> Iterator[Ctid]:
    server = Ctid(asterisk, tmp_path_factory.mktemp("ctid"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser(tmp_path) -> Iterator[Any]:
    with chromium(tmp_path / "profile") as driver:
        yield driver


@pytest.fixture
def shots(tmp_path) -> Path:
    return tmp_path


@pytest.fixture(autouse=True)
def no_calls_left(asterisk) -> Iterator[None]:
    yield
    for marker in ("panel_", "cti_phone"):
        for name in channels(asterisk, marker):
            asterisk.cli(f"channel request hangup {name}")
    wait_until(lambda: not channels(asterisk, "panel_"), timeout=20, what="no call left")


def calls(driver: Any) -> dict[str, list[dict[str, str]]]:
    """The page's call lists: each call's name, number, duration and buttons shown."""
    return driver.execute_script(
        """return Object.fromEntries(['incoming', 'current', 'held'].map(list =>
             [list, [...document.getElementById(list).children].map(el => ({
               who: el.querySelector('.who').textContent,
               num: el.querySelector('.num').textContent,
               duration: el.querySelector('.duration').textContent,
               uniqueid: el.dataset.uniqueid,
               answer: !el.querySelector('.answer').hidden}))]))"""
    )


def ring_gina(asterisk) -> None:
    """A call from +33123456789 for gina (named by the AGI lookup on the way)."""
    asterisk.cli("channel originate Local/33123456789@panel_incoming application Wait 60")


GINA, DAVE = "Local/300@panel_phone-", "Local/100@cti_phone-"


def named(asterisk, prefix: str) -> list[list[str]]:
    """The fields of ``core show channels concise`` of the channels named ``prefix``..."""
    out = asterisk.cli("core show channels concise")
    return [line.split("!") for line in out.splitlines() if line.startswith(prefix)]


def bridged(asterisk, prefix: str) -> bool:
    """True when a channel named ``prefix``... is up in a bridge (concise fields: 4 the
    state, the last the bridge id)."""
    return any(fields[4] == "Up" and fields[-1] for fields in named(asterisk, prefix))


def answer(browser: Any) -> dict[str, str]:
    """Answer gina's incoming call from the page: the call then in progress."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, "#incoming .answer").click()
    wait_for(browser, lambda d: calls(d)["current"] and not calls(d)["incoming"], "answered")
    [call] = calls(browser)["current"]
    return call


def in_call_with_caller(browser: Any, asterisk) -> dict[str, str]:
    """gina logged in, called and answering: her call in progress."""
    ring_gina(asterisk)
    wait_for(browser, lambda d: calls(d)["incoming"], "an incoming call")
    call = answer(browser)
    wait_until(lambda: bridged(asterisk, GINA), timeout=20, what="gina bridged")
    return call


def test_incoming_call_named_then_answered(asterisk, ctid, browser, shots):
    """A call rings in gina's incoming list with the name xivo-agid looked up and the
    number; Answer picks it up in Asterisk (her phone bridged with the caller) and the
    call moves to "In progress" with a running duration."""
    log_in(browser, ctid, "gina")
    ring_gina(asterisk)
    wait_for(browser, lambda d: calls(d)["incoming"], "an incoming call")
    [ringing] = calls(browser)["incoming"]
    assert (ringing["who"], ringing["num"], ringing["answer"]) == (*CALLER, True)
    browser.save_screenshot(str(shots / "incoming.png"))
    call = answer(browser)
    assert (call["who"], call["num"], call["answer"]) == (*CALLER, False)
    wait_until(lambda: bridged(asterisk, GINA), timeout=20, what="gina bridged")
    first = call["duration"]
    assert re.fullmatch(r"\d+:\d\d", first)
    wait_for(browser, lambda d: calls(d)["current"][0]["duration"] != first, "duration runs")
    browser.save_screenshot(str(shots / "answered.png"))


def test_calls_by_keyboard_at_phone_width(asterisk, ctid, tmp_path, shots):
    """At a phone's 390 px, Tab from the number box reaches the incoming call's Answer and
    Enter answers it; nothing scrolls sideways with a call on the page."""
    from selenium.webdriver.common.keys import Keys

    with chromium(tmp_path / "narrow", 500, 800) as driver:
        metrics = {"width": 390, "height": 800, "deviceScaleFactor": 1, "mobile": True}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        log_in(driver, ctid, "gina")
        ring_gina(asterisk)
        wait_for(driver, lambda d: calls(d)["incoming"], "an incoming call")
        focused = driver.switch_to.active_element
        for _ in range(10):
            if focused.get_attribute("aria-label") == f"Answer {CALLER[0]}":
                break
            focused.send_keys(Keys.TAB)
            focused = driver.switch_to.active_element
        assert focused.get_attribute("aria-label") == f"Answer {CALLER[0]}"
        focused.send_keys(Keys.ENTER)
        wait_for(driver, lambda d: calls(d)["current"] and not calls(d)["incoming"], "answered")
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        driver.save_screenshot(str(shots / "phone-call.png"))


def drag(browser: Any, source: Any, target: Any) -> None:
    """An HTML5 drag of ``source`` dropped on ``target``, as the browser dispatches it
    (chromedriver's pointer actions do not reliably start HTML5 drags)."""
    browser.execute_script(
        """const [source, target] = arguments, data = new DataTransfer();
           const fire = (el, type) => el.dispatchEvent(new DragEvent(type,
             {bubbles: true, cancelable: true, dataTransfer: data}));
           fire(source, 'dragstart'); fire(target, 'dragenter'); fire(target, 'dragover');
           fire(target, 'drop'); fire(source, 'dragend');""",
        source,
        target,
    )


def test_dragging_a_call_onto_a_tile_transfers_it(asterisk, ctid, browser, shots):
    """gina drags her call onto dave's tile: a blind transfer to 100 (dave's phone takes
    the caller in Asterisk), her call list empties and dave's tile shows his call."""
    from selenium.webdriver.common.by import By

    log_in(browser, ctid, "gina")
    in_call_with_caller(browser, asterisk)
    call = browser.find_element(By.CSS_SELECTOR, "#current .call")
    assert call.get_attribute("draggable") == "true"
    drag(browser, call, browser.find_element(By.CSS_SELECTOR, '.tile[data-id="xivo/3"]'))
    wait_until(lambda: bridged(asterisk, DAVE), timeout=20, what="dave took the call")
    wait_for(browser, lambda d: not any(calls(d).values()), "gina's lists empty")
    wait_for(browser, lambda d: tiles(d)["100"]["hangup"], "dave's call on his tile")
    wait_until(lambda: not named(asterisk, GINA), timeout=20, what="gina's phone free")
    browser.save_screenshot(str(shots / "dragged.png"))


def consult(browser: Any, asterisk) -> Any:
    """gina, in a call, starts an attended transfer to 100 from the call's transfer box:
    the page offers complete and cancel (the bar returned) and dave's phone rings."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, "#current .xfer-number").send_keys("100")
    browser.find_element(By.CSS_SELECTOR, "#current .attended").click()
    bar = browser.find_element(By.ID, "transfer")
    wait_for(browser, lambda d: bar.is_displayed(), "complete and cancel offered")
    wait_until(lambda: named(asterisk, DAVE), timeout=20, what="dave rung")
    return bar


def test_attended_transfer_cancelled(asterisk, ctid, browser, shots):
    """While gina consults dave her call shows on hold (Asterisk holds it); cancel brings
    her back to her caller: dave's phone hung up, her call in progress."""
    from selenium.webdriver.common.by import By

    log_in(browser, ctid, "gina")
    in_call_with_caller(browser, asterisk)
    bar = consult(browser, asterisk)
    wait_for(browser, lambda d: calls(d)["held"], "her call on hold while she consults")
    browser.save_screenshot(str(shots / "attended.png"))
    browser.find_element(By.ID, "transfer-cancel").click()
    wait_for(browser, lambda d: not bar.is_displayed(), "transfer bar gone")
    wait_until(lambda: not named(asterisk, DAVE), timeout=20, what="dave hung up")
    wait_until(lambda: bridged(asterisk, GINA), timeout=20, what="gina back")
    wait_for(browser, lambda d: len(calls(d)["current"]) == 1, "her call in progress")


def test_attended_transfer_completed(asterisk, ctid, browser):
    """Complete leaves the caller with dave (bridged in Asterisk) and gina with no call."""
    from selenium.webdriver.common.by import By

    log_in(browser, ctid, "gina")
    in_call_with_caller(browser, asterisk)
    bar = consult(browser, asterisk)
    browser.find_element(By.ID, "transfer-complete").click()
    wait_for(browser, lambda d: not bar.is_displayed(), "transfer bar gone")
    wait_for(browser, lambda d: not any(calls(d).values()), "gina's lists empty")
    wait_until(lambda: bridged(asterisk, DAVE), timeout=20, what="dave has the caller")
    wait_until(lambda: not named(asterisk, GINA), timeout=20, what="gina's phone free")


def test_forwards_from_the_page_reach_the_astdb(asterisk, ctid, browser):
    """The forwards form stores each forward and its destination in the AstDB and shows
    what was stored after a reload of the page."""
    from selenium.webdriver.common.by import By

    log_in(browser, ctid, "gina")
    browser.find_element(By.CSS_SELECTOR, "#services summary").click()
    try:
        browser.find_element(By.ID, "fwd-unc").click()
        browser.find_element(By.ID, "fwd-unc-dest").send_keys("100")
        browser.find_element(By.ID, "fwd-busy-dest").send_keys("2001")
        browser.find_element(By.CSS_SELECTOR, "#forwards button").click()
        wait_until(
            lambda: "Value: 1" in asterisk.cli("database get xivo-features/300 enableunc"),
            timeout=20,
            what="unconditional forward stored",
        )
        assert "Value: 100" in asterisk.cli("database get xivo-features/300 destunc")
        assert "Value: 2001" in asterisk.cli("database get xivo-features/300 destbusy")
        assert "Value: 0" in asterisk.cli("database get xivo-features/300 enablebusy")
        log_in(browser, ctid, "gina")
        wait_for(browser, lambda d: d.find_element(By.ID, "fwd-unc").is_selected(), "shown")
        assert browser.find_element(By.ID, "fwd-unc-dest").get_attribute("value") == "100"
    finally:
        asterisk.cli("database deltree xivo-features/300")


def test_answer_with_nothing_ringing_shows_why(asterisk, ctid, browser):
    """An Answer whose call was taken meanwhile (hung up before the click) is refused and
    the page says why."""
    from selenium.webdriver.common.by import By

    log_in(browser, ctid, "gina")
    ring_gina(asterisk)
    wait_for(browser, lambda d: calls(d)["incoming"], "an incoming call")
    button = browser.find_element(By.CSS_SELECTOR, "#incoming .answer")
    browser.execute_script("window.panel.cti.ws.onmessage = null")  # the page stops hearing
    for name in channels(asterisk, "panel_"):
        asterisk.cli(f"channel request hangup {name}")
    wait_until(lambda: not channels(asterisk, "panel_"), timeout=20, what="call gone")
    browser.execute_script(
        "const ws = window.panel.cti.ws;"
        "ws.onmessage = (event) => window.panel.cti.received(JSON.parse(event.data));"
    )
    button.click()
    alert = wait_for(browser, lambda d: d.find_element(By.ID, "alert").text, "an alert")
    assert alert.startswith("There is no such call") and alert.endswith("(no_call)")


def test_asterisk_restart_ends_with_the_right_state(asterisk, agid, ctid, browser, shots):
    """Asterisk restarts while gina's phone rings and bob's is in use: the panel ends
    with neither (the call and the custom state died with Asterisk), then shows the next
    call ringing, named again. (Last of the module: the rig's other users reconnect.)"""
    from selenium.webdriver.common.by import By

    log_in(browser, ctid, "gina")
    asterisk.cli("devstate change Custom:bob INUSE")
    wait_for(browser, lambda d: tiles(d)["2002"]["phone"] == "in use", "bob in use")
    ring_gina(asterisk)
    wait_for(browser, lambda d: calls(d)["incoming"], "an incoming call")
    asterisk.stop()
    asterisk.start()
    asterisk.cli(f"dialplan set global PANEL_AGIPORT {agid}")
    wait_for(browser, lambda d: not calls(d)["incoming"], "the call gone", timeout=60)
    wait_for(browser, lambda d: tiles(d)["2002"]["phone"] == "idle", "bob idle", timeout=60)
    assert browser.find_element(By.ID, "status").text == "Connected"
    ring_gina(asterisk)
    wait_for(browser, lambda d: calls(d)["incoming"], "the next call", timeout=30)
    [ringing] = calls(browser)["incoming"]
    assert (ringing["who"], ringing["num"]) == CALLER
    browser.save_screenshot(str(shots / "after-asterisk-restart.png"))
