"""The panel's listener service (``xivo_cti.web``)."""

from __future__ import annotations

import pytest

from tests.xivo_cti.web.conftest import ASSETS, WebRig
from xivo.config import ConfigError
from xivo.paced_port import PacedServer
from xivo_cti.cti import TLSConfig
from xivo_cti.web import make_web_service
from xivo_cti.web._config import WebConfig


def test_plain_listener(web: WebRig) -> None:
    """Without tls, a TCP listener whose factory shares the CTI context but offers no
    STARTTLS, accepting under the CTI per-pass budget."""
    service = make_web_service(WebConfig(port=0), web.ctx, TLSConfig(), web.clock, ASSETS)
    assert isinstance(service, PacedServer)
    assert service.budget.items == web.ctx.config.writes_per_pass
    assert service.factory.ctx.broadcaster is web.ctx.broadcaster
    assert service.factory.ctx.tls is None


def test_tls_needs_the_cti_certificate(web: WebRig) -> None:
    """web.tls without cti.tls files is a configuration error naming both."""
    with pytest.raises(ConfigError, match=r"web\.tls: needs cti\.tls"):
        make_web_service(WebConfig(tls=True), web.ctx, TLSConfig(), web.clock, ASSETS)
