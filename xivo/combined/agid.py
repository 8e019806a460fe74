"""Operations hooks of the xivo-agid side: directory health checks and the SIGHUP step.

Used by the combined process (and usable by the xivo-agid plugin): it finds the
``DirectoryService`` inside the service tree built by ``xivo_agid.service``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from twisted.application.service import IService, MultiService
from twisted.internet import defer
from twisted.logger import Logger

from xivo.config import ConfigError
from xivo.ops.health import HealthChecks
from xivo_agid.directory.service import DirectoryService, validate_sources

__all__ = ["add_directory_checks", "find_directory", "make_agid_reload"]

log = Logger(namespace="xivo.combined.agid")


def find_directory(root: IService) -> DirectoryService | None:
    """The first ``DirectoryService`` in the service tree under ``root``, if any."""
    if isinstance(root, DirectoryService):
        return root
    if isinstance(root, MultiService):
        for child in root:
            found = find_directory(child)
            if found is not None:
                return found
    return None


def _source_check(source: Any) -> Callable[[], tuple[bool, Mapping[str, Any]]]:
    def check() -> tuple[bool, Mapping[str, Any]]:
        health = getattr(source, "health", None)
        if health is None:
            return True, {"state": "unknown"}
        return health()

    return check


def add_directory_checks(root: IService, checks: HealthChecks) -> int:
    """Register ``directory.<name>`` for each source in use; returns how many."""
    directory = find_directory(root)
    if directory is None:
        return 0
    for source in directory.sources:
        checks.add(f"directory.{source.name}", _source_check(source))
    return len(directory.sources)


def make_agid_reload(
    root: IService, read_config: Callable[[], Any], current: Any
) -> Callable[[], defer.Deferred[None]]:
    """A reload step: check the new configuration, then reload every source's data.

    A configuration that does not validate is logged and the running one kept.  Source
    data (CSV files...) is reloaded in place; changes to the sources list, ports or
    limits are reported as needing a restart.
    """

    def step() -> defer.Deferred[None]:
        try:
            new = read_config()
            validate_sources(new)
        except ConfigError as e:
            log.error("xivo-agid configuration not reloaded, keeping the running one: {e}", e=e)
            return defer.succeed(None)
        if new != current:
            log.warn("xivo-agid configuration changed: restart to apply it (data reloaded now)")
        directory = find_directory(root)
        sources = directory.sources if directory is not None else []
        reloads = [source.reload() for source in sources if hasattr(source, "reload")]
        return defer.gatherResults(reloads, consumeErrors=True).addCallback(lambda _: None)

    return step
