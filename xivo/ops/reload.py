"""SIGHUP reload: run each registered reload step, each isolated from the others.

A reload step is a callable (sync or returning a Deferred/coroutine) that loads the new
configuration and swaps it in, or raises and leaves the old one in place: a
``ConfigError`` is logged as one line saying the running configuration is kept,
anything else with its traceback.  A failing step does not stop the others; the
process keeps running either way, and only a step that succeeded is logged "reloaded".
"""

from __future__ import annotations

import dataclasses
import signal
from collections.abc import Callable, Collection
from typing import Any

from twisted.application import service
from twisted.internet import defer, threads
from twisted.internet.interfaces import IReactorThreads
from twisted.logger import Logger

from xivo.config import ConfigError
from xivo.redact import redact

__all__ = [
    "ConfigReader",
    "ReloadService",
    "ReloadStep",
    "config_reader",
    "reread_config",
    "warn_restart",
]

_log = Logger(namespace="xivo.ops.reload")

ReloadStep = Callable[[], Any]
ConfigReader = Callable[[], "defer.Deferred[Any]"]


def config_reader(
    reactor: IReactorThreads, load: Callable[[str], Any], path: str | None
) -> ConfigReader | None:
    """What a reload step calls to read the configuration again: ``load(path)`` in the
    reactor's thread pool, so the file read never blocks the reactor; None without a file."""
    if path is None:
        return None
    return lambda: threads.deferToThreadPool(reactor, reactor.getThreadPool(), load, path)


async def reread_config(daemon: str, running: Any, read_config: ConfigReader | None) -> Any:
    """The configuration file read again (``running`` when the daemon has no file); raises
    ``ConfigError`` when it does not validate (``ReloadService`` logs it)."""
    if read_config is None:
        return running
    return await defer.maybeDeferred(read_config)


def warn_restart(daemon: str, running: Any, new: Any, live_keys: Collection[str]) -> None:
    """Log the top-level keys that differ between the ``running`` and ``new``
    configuration (dataclasses) and that a reload does not apply (not in ``live_keys``)."""
    changed = [
        f.name
        for f in dataclasses.fields(new)
        if f.name not in live_keys and getattr(new, f.name) != getattr(running, f.name)
    ]
    if changed:
        keys = ", ".join(changed)
        _log.warn("{daemon} {keys} changed: restart to apply", daemon=daemon, keys=keys)


class ReloadService(service.Service):
    """Install a SIGHUP handler while running; ``reload()`` runs every step in order."""

    log = Logger()

    def __init__(self, reactor: IReactorThreads, signum: int = signal.SIGHUP) -> None:
        self._reactor = reactor
        self._signum = signum
        self._steps: list[tuple[str, ReloadStep]] = []
        self._previous: Any = None
        self._lock = defer.DeferredLock()

    def add(self, name: str, step: ReloadStep) -> None:
        """Register a reload step; steps run in registration order."""
        self._steps.append((name, step))

    def startService(self) -> None:
        super().startService()
        self._previous = signal.signal(self._signum, self._signalled)

    def stopService(self) -> None:
        super().stopService()
        if self._previous is not None:
            signal.signal(self._signum, self._previous)
            self._previous = None

    def _signalled(self, signum: int, frame: Any) -> None:
        self._reactor.callFromThread(self.reload)

    def reload(self) -> defer.Deferred[None]:
        """Run all steps, after any reload still running; the Deferred never fails."""
        return self._lock.run(self._run_steps)

    async def _run_steps(self) -> None:
        self.log.info("reload requested: {steps}", steps=[name for name, _ in self._steps])
        for name, step in self._steps:
            try:
                await defer.maybeDeferred(step)
            except ConfigError as e:
                self.log.error(
                    "{step} not reloaded: {error}; the running configuration is kept",
                    step=name,
                    error=redact(str(e)),
                )
            except Exception:
                self.log.failure("reload of {step} failed; the previous one is kept", step=name)
            else:
                self.log.info("reloaded {step}", step=name)
