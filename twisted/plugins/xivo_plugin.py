"""twistd plugin ``xivo``: xivo-agid and xivo-ctid in one process, ``twistd -n xivo``."""

from xivo.ops.plugin import DaemonServiceMaker

serviceMaker = DaemonServiceMaker(
    "xivo",
    "xivo-agid (FastAGI reverse lookup) and xivo-ctid (CTI) on one reactor",
    "xivo_combined.service",
)
