"""twistd plugin ``xivo-ctid``: ``twistd -n xivo-ctid [--config FILE]``."""

from xivo.ops.plugin import DaemonServiceMaker

serviceMaker = DaemonServiceMaker(
    "xivo-ctid",
    "CTI server: one AMI connection to Asterisk, XiVO CTI clients over TCP",
    "xivo_cti.service",
)
