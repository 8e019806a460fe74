"""The web operator panel: its page and the CTI protocol over WebSocket, on the ``web``
listener, sharing the TCP port's sessions, state and views (see ``_protocol``)."""

from xivo_cti.web._assets import STATIC, Asset, Assets
from xivo_cti.web._config import WebConfig
from xivo_cti.web._server import WebFactory, make_web_service

__all__ = ["STATIC", "Asset", "Assets", "WebConfig", "WebFactory", "make_web_service"]
