"""The bus and ipbx sections: URL and exchange checks, ipbx ids, no password in errors."""

import pytest

from xivo.config import ConfigError, build
from xivo_cti.bus import BusConfig, IpbxConfig

SENTINEL = "S3ntinel-Pa55"


def test_defaults_mean_no_bus():
    """An empty bus section: no URL (one node), exchange xivo-cti."""
    assert build(BusConfig, {}) == BusConfig(url="", exchange="xivo-cti")


@pytest.mark.parametrize(
    "url",
    [
        "amqp://xivo:pw@rabbitmq.example/%2F",
        "amqps://xivo:pw@10.0.0.5:5671/cti?heartbeat=5",
        "amqp://[::1]:5672/",
    ],
)
def test_accepted_urls(url):
    """amqp and amqps URLs with a host, a port, a vhost and pika's query options."""
    assert build(BusConfig, {"url": url}).url == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        (f"http://xivo:{SENTINEL}@h/", "amqp:// or amqps://"),
        (f"amqp://xivo:{SENTINEL}@/", "naming a host"),
        (f"amqp://xivo:{SENTINEL}@h:99999/", "not a usable AMQP URL"),
        (f"amqp://xivo:{SENTINEL}@h/?heartbeat=often", "heartbeat"),
        (f"amqp://xivo:{SENTINEL}@[::1/", "not a usable AMQP URL"),
    ],
)
def test_refused_urls_never_show_the_password(url, why):
    """Each bad URL is refused naming bus.url and the problem, never the password."""
    with pytest.raises(ConfigError) as info:
        build(BusConfig, {"url": url}, "bus")
    assert str(info.value).startswith("bus.url: ") and why in str(info.value)
    assert SENTINEL not in str(info.value)


def test_url_not_in_repr():
    """The URL (it holds the password) is left out of the section's repr."""
    assert SENTINEL not in repr(build(BusConfig, {"url": f"amqp://x:{SENTINEL}@h/"}))


@pytest.mark.parametrize("exchange", ["", "a b", "x" * 256, "é"])
def test_bad_exchange(exchange):
    """An exchange name AMQP would refuse is refused here, naming the key."""
    with pytest.raises(ConfigError, match=r"^bus\.exchange: "):
        build(BusConfig, {"exchange": exchange}, "bus")


def test_ipbx_section_holds_ami_keys():
    """An ipbx entry is an ami section, validated the same way."""
    assert build(IpbxConfig, {"ami": {"host": "10.0.0.2"}}).ami.host == "10.0.0.2"
    with pytest.raises(ConfigError, match=r"^ipbx\.b\.ami\.port: "):
        build(IpbxConfig, {"ami": {"port": "x"}}, "ipbx.b")
