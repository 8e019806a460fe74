"""twistd plugin ``xivo-agid``: ``twistd -n xivo-agid [--config FILE]``."""

from __future__ import annotations

from twisted.application.service import IServiceMaker, MultiService
from twisted.plugin import IPlugin
from zope.interface import implementer

from xivo_agid.service import Options, makeService


@implementer(IServiceMaker, IPlugin)
class AgidServiceMaker:
    """Makes the xivo-agid FastAGI service from its command-line options."""

    tapname = "xivo-agid"
    description = "FastAGI server setting caller names from directories (reverse lookup)"
    options = Options

    def makeService(self, options: Options) -> MultiService:
        """Build the service from the configuration ``Options`` already loaded and checked."""
        from twisted.internet import reactor

        return makeService(options["loaded"], reactor, options["config"])


serviceMaker = AgidServiceMaker()
