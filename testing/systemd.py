"""A stand-in for systemd's notify socket and file-descriptor store, for the tests and
the benchmark of the verifier handoff (``xivo_cti.users.VerifierHandoff``)."""

from __future__ import annotations

import array
import os
import socket
import sys
from pathlib import Path

__all__ = ["FakeSystemd", "passing_fd"]

_AS_FD_3 = """
import os, sys
fd = int(sys.argv[1])
if fd != 3:
    os.dup2(fd, 3)
    os.close(fd)
os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(sys.argv[2], sys.argv[2:])
"""


def passing_fd(args: list[str], fd: int) -> list[str]:
    """``args`` run as systemd runs a service it passes a descriptor to: ``fd`` (which
    the caller lets the child inherit) becomes its fd 3, ``LISTEN_PID`` its own pid."""
    return [sys.executable, "-c", _AS_FD_3, str(fd), *args]


class FakeSystemd:
    """A datagram socket at ``path`` where a service sends ``FDSTORE=1``; ``kept`` holds
    the descriptors it stored, as systemd would keep them."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.setblocking(False)
        self.kept: list[int] = []

    def receive(self) -> list[str]:
        """The messages sent since the last call; their descriptors join ``kept``."""
        messages = []
        while True:
            try:
                data, ancdata, _flags, _addr = self.sock.recvmsg(4096, socket.CMSG_SPACE(16))
            except BlockingIOError:
                return messages
            for level, kind, payload in ancdata:
                if (level, kind) == (socket.SOL_SOCKET, socket.SCM_RIGHTS):
                    fds = array.array("i")
                    fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
                    self.kept.extend(fds)
            messages.append(data.decode())

    def pass_on(self) -> int:
        """A copy of the first kept descriptor for the next process (systemd passes it as
        its fd 3)."""
        return os.dup(self.kept[0])

    def restart_environ(self, names: str = "verifiers") -> dict[str, str]:
        """What systemd sets for the next process of the service (``LISTEN_PID`` is this
        process's: a test running the service in process uses it as is)."""
        return {
            "NOTIFY_SOCKET": self.path, "LISTEN_PID": str(os.getpid()),
            "LISTEN_FDS": str(len(names.split(":"))), "LISTEN_FDNAMES": names,
        }  # fmt: skip

    def close(self) -> None:
        """Close the socket and the kept descriptors."""
        self.sock.close()
        for fd in self.kept:
            os.close(fd)
        self.kept.clear()
