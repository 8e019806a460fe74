"""FastAGI handlers, one per script name: ``CallerIdLookup`` (``callerid_lookup``) and
``MonitoringHandler`` (``monitoring``).  Their modules are private."""

from xivo_agid.handlers._callerid_lookup import CallerIdLookup
from xivo_agid.handlers._monitoring import MonitoringHandler

__all__ = ["CallerIdLookup", "MonitoringHandler"]
