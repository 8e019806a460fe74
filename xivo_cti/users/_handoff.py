"""The verifier cache handed to the next xivo-ctid through systemd's file-descriptor store.

Under systemd with ``NotifyAccess=main`` and ``FileDescriptorStoreMax=1`` in the unit,
xivo-ctid keeps its verifiers (``VerifierCache.dump``: the per-process key and the
HMACs) in a memfd that systemd holds for it (``FDSTORE=1``, named ``verifiers``),
rewritten every ``interval`` seconds and when the service stops.  systemd passes it to
the next process (``LISTEN_FDS``) on ``systemctl restart`` or an automatic restart after
a crash, not after a stop and a start nor a reboot; it is never on disk.  The next
process loads it before its CTI port opens, so clients logging in again cost an HMAC,
not an argon2.  Outside systemd (no ``NOTIFY_SOCKET``) nothing is kept.
"""

from __future__ import annotations

import array
import os
import socket
from collections.abc import Mapping

from twisted.application.service import Service
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from xivo_cti.users._verifiers import VerifierCache

__all__ = ["FDNAME", "MEMFD_NAME", "VerifierHandoff"]

FDNAME = "verifiers"
MEMFD_NAME = "xivo-ctid-verifiers"
LISTEN_FDS_START = 3


class VerifierHandoff(Service):
    """Loads ``cache`` from the descriptor systemd passed (``environ``: the process's
    environment), else stores a new one with systemd; saves the cache into it."""

    log = Logger()

    def __init__(
        self,
        cache: VerifierCache,
        clock: IReactorTime,
        environ: Mapping[str, str],
        *,
        interval: float = 30.0,
        first_fd: int = LISTEN_FDS_START,
    ) -> None:
        self.cache = cache
        self._clock = clock
        self._environ = environ
        self.interval = interval
        self._first_fd = first_fd
        self.fd: int | None = None
        self._saver = LoopingCall(self.save)
        self._saver.clock = clock

    def startService(self) -> None:
        """Take the previous process's verifiers, or give systemd a descriptor to keep."""
        super().startService()
        if self.cache.ttl <= 0:
            return
        self.fd = self._passed()
        if self.fd is not None:
            os.set_inheritable(self.fd, False)
            self._load(self.fd)
        else:
            self.fd = self._store_new()
        if self.fd is not None:
            self._saver.start(self.interval, now=False)

    def stopService(self) -> None:
        """Save the verifiers a last time (systemd keeps its own copy of the descriptor)."""
        super().stopService()
        if self._saver.running:
            self._saver.stop()
        if self.fd is not None:
            self.save()
            os.close(self.fd)
            self.fd = None

    def save(self) -> None:
        """Write the cache into the kept descriptor (memory, not disk)."""
        assert self.fd is not None
        data = self.cache.dump(self._clock.seconds())
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)

    def _passed(self) -> int | None:
        """The descriptor named ``FDNAME`` among those systemd passed to this process.

        Importing ``twisted.internet.endpoints`` takes ``LISTEN_PID`` and ``LISTEN_FDS``
        out of the environment (only ``LISTEN_FDNAMES`` stays), so the descriptor is
        recognised by its position in the names and by being our memfd; a
        ``LISTEN_PID`` still there must be this process's."""
        env = self._environ
        if env.get("LISTEN_PID", str(os.getpid())) != str(os.getpid()):
            return None
        names = env.get("LISTEN_FDNAMES", "").split(":")
        if FDNAME not in names:
            return None
        fd = self._first_fd + names.index(FDNAME)
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return None
        return fd if target.startswith(f"/memfd:{MEMFD_NAME}") else None

    def _load(self, fd: int) -> None:
        data = os.pread(fd, os.fstat(fd).st_size, 0)
        try:
            count = self.cache.load(data, self._clock.seconds())
        except ValueError as e:
            self.log.warn("login verifiers of the previous process not used: {error}", error=e)
            return
        self.log.info("{count} login verifiers kept from the previous process", count=count)

    def _store_new(self) -> int | None:
        address = self._environ.get("NOTIFY_SOCKET", "")
        if not address:
            return None
        if address.startswith("@"):
            address = "\0" + address[1:]
        fd = os.memfd_create(MEMFD_NAME, os.MFD_CLOEXEC)
        message = f"FDSTORE=1\nFDNAME={FDNAME}".encode()
        fds = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))]
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.setblocking(False)
                sock.sendmsg([message], fds, 0, address)
        except OSError as e:
            os.close(fd)
            self.log.warn("login verifiers not kept for the next process: {error}", error=e)
            return None
        return fd
