"""The ``web`` section."""

from __future__ import annotations

import pytest

from xivo.config import ConfigError, build
from xivo_cti.config import build_config
from xivo_cti.web._config import WebConfig


def test_defaults() -> None:
    """Off by default; loopback on 9480 when on."""
    config = build_config({}).web
    assert (config.enabled, config.address, config.port, config.tls) == (
        False,
        "127.0.0.1",
        9480,
        False,
    )


def test_origins_kept() -> None:
    config = build(WebConfig, {"allowed_origins": ["https://pbx.example:8443"]})
    assert config.allowed_origins == ("https://pbx.example:8443",)


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"port": 70000}, "web.port"),
        ({"allowed_origins": ["pbx.example"]}, "web.allowed_origins"),
        ({"allowed_origins": ["https://pbx.example/panel"]}, "web.allowed_origins"),
        ({"max_message": 0}, "web.max_message"),
        ({"tls": "yes"}, "web.tls"),
        ({"bogus": 1}, "web.bogus"),
    ],
)
def test_bad_values_name_the_key(data: dict, where: str) -> None:
    with pytest.raises(ConfigError, match=where.replace(".", r"\.")):
        build_config({"web": data})
