"""End-to-end: the operator panel in headless Chromium, served by a ``twistd xivo-ctid``
owning both Asterisk servers of the rig (ipbx xivo and b, as in ``test_cti_ipbx``):
alice (of xivo) sees dave (of b) on his own tile and hangs up his call on b."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from testing.browser import chromium, wait_for
from testing.daemons import BlockingCTIClient, Daemon, free_port, health
from testing.waiting import wait_until
from tests.e2e.test_cti_ipbx import ami, users_file
from tests.e2e.test_cti_server import channels

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ports(asterisk, asterisk_b, tmp_path_factory) -> Iterator[tuple[int, int]]:
    """The daemon with its panel on; (CTI port, web port)."""
    tmp = tmp_path_factory.mktemp("panel-ipbx")
    cti, http, web = free_port(), free_port(), free_port()
    config = {
        "ipbx": {"xivo": {"ami": ami(asterisk)}, "b": {"ami": ami(asterisk_b)}},
        "cti": {"address": "127.0.0.1", "port": cti, "ipbxid": "xivo"},
        "http": {"address": "127.0.0.1", "port": http},
        "web": {"enabled": True, "address": "127.0.0.1", "port": web},
        "users_file": str(users_file(tmp / "users.yml")),
    }
    daemon = Daemon("xivo-ctid", yaml.safe_dump(config), tmp)
    try:
        daemon.wait_port(web)
        wait_until(lambda: health(http)[0] == 200, timeout=30.0, what="both AMI connected")
        yield cti, web
    finally:
        daemon.stop()
        assert "Traceback" not in daemon.output(), daemon.output()


def tiles(driver: Any) -> dict[str, dict[str, Any]]:
    """Each tile's name and whether it offers Hang up, by its id (``<ipbx>/<user id>``), in
    the page's order."""
    return dict(  # pairs: the driver gives an object's keys sorted, not in page order
        driver.execute_script(
            """return [...document.querySelectorAll('#tiles .tile')].map(el =>
                 [el.dataset.id, {name: el.querySelector('.name').textContent,
                                  hangup: !el.querySelector('.hangup').hidden}])"""
        )
    )


def test_the_panel_shows_and_acts_on_every_ipbx(asterisk_b, ports, tmp_path):
    """alice's panel has a tile for dave, of ipbx b, after hers; when dave calls from b, his
    tile offers Hang up, which ends the call on b."""
    from selenium.webdriver.common.by import By

    cti, web = ports
    dave = BlockingCTIClient(cti)
    with chromium(tmp_path / "profile") as driver:
        try:
            driver.get(f"http://127.0.0.1:{web}/")
            driver.find_element(By.ID, "login-name").send_keys("alice")
            driver.find_element(By.ID, "login-password").send_keys("alice-pw\n")
            wait_for(driver, lambda d: len(tiles(d)) == 2, "a tile per user of both ipbx")
            assert list(tiles(driver)) == ["xivo/1", "b/2"]  # the default ipbx first
            assert tiles(driver)["xivo/1"]["name"].endswith("(you)")
            dave.login("dave")
            dave.send(**{"class": "ipbxcommand", "command": "dial", "destination": "4242",
                         "commandid": 7})  # fmt: skip
            assert dave.reply(7)["class"] == "dial_success"
            wait_for(driver, lambda d: tiles(d)["b/2"]["hangup"], "dave's call on his tile")
            driver.find_element(By.CSS_SELECTOR, '.tile[data-id="b/2"] .hangup').click()
            wait_until(lambda: not channels(asterisk_b, "Local/100@"), timeout=20.0,
                       what="dave's call hung up on b")  # fmt: skip
            wait_for(driver, lambda d: not tiles(d)["b/2"]["hangup"], "no call on dave's tile")
            assert driver.find_element(By.ID, "alert").text == ""
        finally:
            dave.close()
            for name in channels(asterisk_b, "cti_"):
                asterisk_b.cli(f"channel request hangup {name}")
