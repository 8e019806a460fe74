"""twistd plugin ``xivo``: xivo-agid and xivo-ctid in one process, ``twistd -n xivo``."""

from __future__ import annotations

from twisted.application.service import IServiceMaker, MultiService
from twisted.plugin import IPlugin
from zope.interface import implementer

from xivo.combined.service import Options, makeService


@implementer(IServiceMaker, IPlugin)
class XivoServiceMaker:
    """Makes the combined FastAGI + CTI service from one configuration file."""

    tapname = "xivo"
    description = "xivo-agid (FastAGI reverse lookup) and xivo-ctid (CTI) on one reactor"
    options = Options

    def makeService(self, options: Options) -> MultiService:
        """Build the service from the configuration ``Options`` already loaded and checked."""
        from twisted.internet import reactor

        return makeService(options["loaded"], reactor, options["config"])


serviceMaker = XivoServiceMaker()
