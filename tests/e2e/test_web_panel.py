"""End-to-end: the operator panel in Debian's headless Chromium, served by the real
``twistd xivo-ctid`` connected to the rig's Asterisk.

Users: those of tests/e2e/test_cti_server.py (alice, supervisor on ``Custom:alice``; bob,
user on ``Custom:bob``; dave, user on ``Local/100@cti_phone``, a "phone" that answers and
holds, dialling into ``cti_dial``...) and gina, the operator of the call tests
(tests/e2e/test_web_panel_calls.py), on ``Local/300@panel_phone``, a phone that rings.
Screenshots go to the test's folder (``screenshots/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from testing.browser import chromium, wait_for
from testing.daemons import Daemon, free_port, health
from testing.waiting import wait_until
from tests.e2e.test_cti_server import USERS, channels, users_file

pytestmark = pytest.mark.e2e

PANEL_USERS = [*USERS, ("gina", "Local/300@panel_phone", "300", "panel_out", "user")]


class Ctid:
    """The daemon with its panel on ``web``; ``restart`` keeps the ports."""

    def __init__(self, asterisk: Any, tmp: Path) -> None:
        self.tmp = tmp
        self.cti, self.http, self.web = free_port(), free_port(), free_port()
        self.config = yaml.safe_dump({
            "ami": {"host": asterisk.ami_host, "port": asterisk.ami_port,
                    "username": asterisk.ami_username, "secret": asterisk.ami_secret},
            "cti": {"address": "127.0.0.1", "port": self.cti},
            "http": {"address": "127.0.0.1", "port": self.http},
            "web": {"enabled": True, "address": "127.0.0.1", "port": self.web},
            "users_file": str(users_file(tmp / "users.yml", PANEL_USERS)),
        })  # fmt: skip
        self.runs = 0
        self.daemon = self._start()

    def _start(self) -> Daemon:
        self.runs += 1
        folder = self.tmp / f"run{self.runs}"
        folder.mkdir()
        daemon = Daemon("xivo-ctid", self.config, folder)
        daemon.wait_port(self.web)
        wait_until(lambda: health(self.http)[0] == 200, timeout=20, what="AMI connected")
        return daemon

    def stop(self) -> None:
        self.daemon.stop()
        errors = [line for line in self.daemon.output().splitlines() if "Traceback" in line]
        assert not errors, self.daemon.output()

    def restart(self) -> None:
        self.stop()
        self.daemon = self._start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web}/"


@pytest.fixture(scope="module")
def ctid(asterisk, tmp_path_factory) -> Iterator[Ctid]:
    server = Ctid(asterisk, tmp_path_factory.mktemp("ctid"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def browser(tmp_path) -> Iterator[Any]:
    with chromium(tmp_path / "profile") as driver:
        yield driver


def log_in(driver: Any, ctid: Ctid, login: str) -> None:
    """Open the panel and log in as ``login`` (password ``<login>-pw``)."""
    from selenium.webdriver.common.by import By

    driver.get(ctid.url)
    driver.find_element(By.ID, "login-name").send_keys(login)
    driver.find_element(By.ID, "login-password").send_keys(f"{login}-pw\n")
    wait_for(driver, lambda d: d.find_element(By.ID, "status").text == "Connected", "logged in")
    wait_for(driver, lambda d: len(tiles(d)) == len(PANEL_USERS), "a tile per user")
    assert not driver.find_element(By.ID, "login").is_displayed()


def tiles(driver: Any) -> dict[str, dict[str, Any]]:
    """Each tile's name, extension, phone state, presence and hang-up button, by extension."""
    return driver.execute_script(
        """return Object.fromEntries([...document.querySelectorAll('#tiles .tile')].map(el =>
             [el.querySelector('.exten').textContent, {
               name: el.querySelector('.name').textContent,
               phone: el.dataset.phone, shown: !el.hidden,
               presence: el.querySelector('.presence').textContent,
               hangup: !el.querySelector('.hangup').hidden}]))"""
    )


EXTENSIONS = {exten for _login, _line, exten, *_rest in PANEL_USERS}


def tile_state(driver: Any, exten: str, phone: str) -> bool:
    return tiles(driver).get(exten, {}).get("phone") == phone


def test_login_shows_every_user(ctid, browser, shots):
    """Logging in with CTI credentials shows a tile per user with name, state, presence;
    the filter box narrows them."""
    from selenium.webdriver.common.by import By

    log_in(browser, ctid, "alice")
    shown = tiles(browser)
    assert set(shown) == EXTENSIONS
    assert shown["2001"]["name"].endswith("(you)") and shown["2001"]["presence"] == "Available"
    browser.find_element(By.ID, "filter").send_keys("200")
    wait_for(browser, lambda d: not tiles(d)["100"]["shown"], "filtered")
    assert tiles(browser)["2002"]["shown"]
    browser.save_screenshot(str(shots / "login.png"))


def test_ringing_shows_live(asterisk, ctid, browser, shots):
    """A phone that rings, then is in use, then idle shows each state on its tile."""
    log_in(browser, ctid, "alice")
    try:
        asterisk.cli("devstate change Custom:bob RINGING")
        wait_for(browser, lambda d: tile_state(d, "2002", "ringing"), "bob ringing")
        assert set(tiles(browser)) == EXTENSIONS  # queue pushes make no tiles
        browser.save_screenshot(str(shots / "ringing.png"))
        asterisk.cli("devstate change Custom:bob INUSE")
        wait_for(browser, lambda d: tile_state(d, "2002", "in use"), "bob in use")
    finally:
        asterisk.cli("devstate change Custom:bob NOT_INUSE")
    wait_for(browser, lambda d: tile_state(d, "2002", "idle"), "bob idle")


def test_dial_then_hang_up_from_the_page(asterisk, ctid, browser, shots):
    """dave dials 4242 from the page: his tile is in use with a channel; Hang up on it ends
    the channel in Asterisk and the tile goes idle."""
    from selenium.webdriver.common.by import By

    log_in(browser, ctid, "dave")
    try:
        browser.find_element(By.ID, "dial-number").send_keys("4242\n")
        wait_for(browser, lambda d: tiles(d)["100"]["hangup"], "dave's call on his tile")
        assert channels(asterisk, "cti_phone")
        browser.save_screenshot(str(shots / "in-call.png"))
        browser.find_element(By.CSS_SELECTOR, '.tile[data-id="xivo/3"] .hangup').click()
        wait_until(lambda: not channels(asterisk, "cti_phone"), timeout=20, what="call hung up")
        wait_for(browser, lambda d: not tiles(d)["100"]["hangup"], "no call on the tile")
    finally:
        for name in channels(asterisk, "cti_phone"):
            asterisk.cli(f"channel request hangup {name}")


def test_refused_action_shows_its_reason(ctid, browser, shots):
    """A number the server refuses is explained on the page."""
    from selenium.webdriver.common.by import By

    log_in(browser, ctid, "bob")
    browser.find_element(By.ID, "dial-number").send_keys("12ab\n")
    alert = wait_for(browser, lambda d: d.find_element(By.ID, "alert").text, "an alert")
    assert alert == "Unreachable number 12ab."
    browser.find_element(By.ID, "dial-number").clear()
    browser.save_screenshot(str(shots / "refused.png"))


def test_wrong_password_shows_its_reason(ctid, browser):
    from selenium.webdriver.common.by import By

    browser.get(ctid.url)
    browser.find_element(By.ID, "login-name").send_keys("bob")
    browser.find_element(By.ID, "login-password").send_keys("wrong\n")
    alert = wait_for(browser, lambda d: d.find_element(By.ID, "alert").text, "an alert")
    assert alert == "Wrong login or password. (login_password)"
    assert browser.find_element(By.ID, "login").is_displayed()


def test_daemon_restart_reconnects_with_the_right_state(asterisk, ctid, browser, shots):
    """The page says it is reconnecting while the daemon is down, logs in again by itself
    and shows the state as it is now (a phone that changed meanwhile)."""
    from selenium.webdriver.common.by import By

    log_in(browser, ctid, "alice")
    status = browser.find_element(By.ID, "status")
    ctid.stop()
    try:
        wait_for(browser, lambda d: status.text.startswith("Reconnecting"), "reconnecting")
        assert "reconnecting" in status.get_attribute("class")
        browser.save_screenshot(str(shots / "reconnecting.png"))
        asterisk.cli("devstate change Custom:bob INUSE")
    finally:
        ctid.daemon = ctid._start()
    try:
        wait_for(browser, lambda d: status.text == "Connected", "reconnected", timeout=40)
        wait_for(browser, lambda d: tile_state(d, "2002", "in use"), "bob in use after restart")
    finally:
        asterisk.cli("devstate change Custom:bob NOT_INUSE")
    wait_for(browser, lambda d: tile_state(d, "2002", "idle"), "bob idle")


def test_phone_width(ctid, tmp_path, shots):
    """At a phone's 390 px the tiles stack in one column and nothing scrolls sideways
    (the viewport emulated: a headless window is at least 500 px wide)."""
    with chromium(tmp_path / "narrow", 500, 800) as driver:
        metrics = {"width": 390, "height": 800, "deviceScaleFactor": 1, "mobile": True}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        log_in(driver, ctid, "alice")
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        lefts = driver.execute_script(
            "return [...document.querySelectorAll('.tile')]"
            ".map(t => t.getBoundingClientRect().left)"
        )
        assert len(set(lefts)) == 1
        driver.save_screenshot(str(shots / "phone.png"))


def test_dnd_toggle_reaches_the_astdb(asterisk, ctid, browser, shots):
    """bob's Do not disturb button stores DND in the AstDB and marks his tile; pressed
    again it clears both."""
    from selenium.webdriver.common.by import By

    log_in(browser, ctid, "bob")
    button = browser.find_element(By.ID, "dnd")
    try:
        button.click()
        wait_for(browser, lambda d: button.get_attribute("aria-pressed") == "true", "DND on")
        assert "Value: 1" in asterisk.cli("database get xivo-features/2002 enablednd")
        assert browser.find_element(By.CSS_SELECTOR, '.tile[data-id="xivo/2"] .dnd').is_displayed()
        browser.save_screenshot(str(shots / "dnd.png"))
        button.click()
        wait_for(browser, lambda d: button.get_attribute("aria-pressed") == "false", "DND off")
        assert "Value: 0" in asterisk.cli("database get xivo-features/2002 enablednd")
    finally:
        asterisk.cli("database deltree xivo-features/2002")


def test_keyboard_only(ctid, browser):
    """Logging in with the keyboard leaves the focus on the number box, "/" focuses the
    filter, and Tab reaches a tile's Call button, with a visible focus ring."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(ctid.url)
    browser.find_element(By.ID, "login-name").click()
    browser.switch_to.active_element.send_keys("dave", Keys.TAB, "dave-pw", Keys.ENTER)
    wait_for(browser, lambda d: d.find_element(By.ID, "status").text == "Connected", "logged in")
    wait_for(browser, lambda d: len(tiles(d)) == len(PANEL_USERS), "a tile per user")
    assert browser.switch_to.active_element.get_attribute("id") == "dial-number"
    browser.find_element(By.TAG_NAME, "body").click()
    browser.switch_to.active_element.send_keys("/")
    assert browser.switch_to.active_element.get_attribute("id") == "filter"
    focused = browser.switch_to.active_element
    for _ in range(20):
        focused.send_keys(Keys.TAB)
        focused = browser.switch_to.active_element
        if focused.get_attribute("aria-label") == "Call dave (you)":
            break
    assert focused.get_attribute("aria-label") == "Call dave (you)"
    assert focused.value_of_css_property("outline-style") != "none"
