"""twistd plugin ``xivo-ctid``: ``twistd -n xivo-ctid [--config FILE]``."""

from __future__ import annotations

from twisted.application.service import IServiceMaker, MultiService
from twisted.plugin import IPlugin
from zope.interface import implementer

from xivo_cti.service import Options, makeService


@implementer(IServiceMaker, IPlugin)
class CtidServiceMaker:
    """Makes the xivo-ctid CTI service from its command-line options."""

    tapname = "xivo-ctid"
    description = "CTI server: one AMI connection to Asterisk, XiVO CTI clients over TCP"
    options = Options

    def makeService(self, options: Options) -> MultiService:
        """Build the service from the configuration ``Options`` already loaded and checked."""
        from twisted.internet import reactor

        return makeService(options["loaded"], reactor, options["config"])


serviceMaker = CtidServiceMaker()
