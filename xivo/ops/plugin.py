"""The daemons' twistd service makers, which import a daemon only when it is run.

twistd imports every plugin module to list the plugins, also when it rebuilds its
plugin cache to resolve ``--reactor``.  Had a plugin module imported its daemon, and
through it a library that imports ``twisted.internet.reactor`` (ldaptor does), the
default reactor would be installed before ``--reactor=xivo`` could install its own.
"""

from __future__ import annotations

import importlib
from typing import Any

from twisted.application.service import IService, IServiceMaker
from twisted.plugin import IPlugin
from zope.interface import implementer

__all__ = ["DaemonServiceMaker"]


@implementer(IServiceMaker, IPlugin)
class DaemonServiceMaker:
    """The twistd plugin ``tapname`` for the daemon whose ``Options`` and
    ``makeService(config, reactor, path)`` live in ``module``."""

    def __init__(self, tapname: str, description: str, module: str) -> None:
        self.tapname = tapname
        self.description = description
        self._module = module

    @property
    def options(self) -> type:
        """The daemon's ``Options`` class (``--config FILE``, loaded and checked)."""
        return importlib.import_module(self._module).Options

    def makeService(self, options: Any) -> IService:
        """Build the service from the configuration ``Options`` already loaded and checked."""
        from twisted.internet import reactor

        daemon = importlib.import_module(self._module)
        return daemon.makeService(options["loaded"], reactor, options["config"])
