"""Operations layer shared by both daemons: metrics and health over HTTP, SIGHUP reload."""

from xivo.ops.config import OpsHTTPConfig
from xivo.ops.health import HealthChecks, HealthResource
from xivo.ops.http import make_ops_factory, make_ops_service, make_ops_site
from xivo.ops.metrics_resource import MetricsResource
from xivo.ops.reload import ReloadService

__all__ = [
    "HealthChecks",
    "HealthResource",
    "MetricsResource",
    "OpsHTTPConfig",
    "ReloadService",
    "make_ops_factory",
    "make_ops_service",
    "make_ops_site",
]
