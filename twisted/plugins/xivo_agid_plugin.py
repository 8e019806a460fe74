"""twistd plugin ``xivo-agid``: ``twistd -n xivo-agid [--config FILE]``."""

from xivo.ops.plugin import DaemonServiceMaker

serviceMaker = DaemonServiceMaker(
    "xivo-agid",
    "FastAGI server setting caller names from directories (reverse lookup)",
    "xivo_agid.service",
)
