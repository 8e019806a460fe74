"""Record real AMI traffic from the test Asterisk into tests/data/ami/ (a developer tool).

Run as root from the repository:  .venv/bin/python -m tests.data.ami.record
It starts the test Asterisk (testing/services/asterisk.py), logs in with Events: on, runs the
scenarios below and writes the exact bytes Asterisk sent during each one to a .txt file.
Plain blocking sockets and threads: this is a recording tool, not service code.
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
import time
from pathlib import Path

from testing.services.asterisk import AsteriskServer, running_asterisk

HERE = Path(__file__).resolve().parent
BURST_CALLS = 300


class Recorder:
    """One AMI session whose received bytes are captured scenario by scenario."""

    def __init__(self, server: AsteriskServer) -> None:
        self.sock = socket.create_connection((server.ami_host, server.ami_port))
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._action = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while chunk := self.sock.recv(65536):
            with self._lock:
                self._buffer += chunk

    def send(self, action: str, **headers: str) -> str:
        """Send one action with a fresh ActionID; return the ActionID."""
        self._action += 1
        action_id = f"rec-{self._action}"
        lines = [f"Action: {action}", f"ActionID: {action_id}"]
        lines += [f"{key}: {value}" for key, value in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return action_id

    def settle(self, quiet: float = 0.5, limit: float = 30.0) -> None:
        """Wait until nothing has arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + limit
        size = -1
        while time.monotonic() < deadline:
            with self._lock:
                current = len(self._buffer)
            if current == size:
                return
            size = current
            time.sleep(quiet)

    def take(self, name: str) -> None:
        """Write what arrived since the last take, up to the last complete message."""
        with self._lock:
            end = self._buffer.rfind(b"\r\n\r\n") + 4
            data = bytes(self._buffer[:end])
            del self._buffer[:end]
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


def _agi_answerer() -> int:
    """A trivial FastAGI server: names every caller "Alice Martin"; returns its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(512)

    def serve(conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            while reader.readline() not in (b"\n", b""):
                pass
            conn.sendall(b'SET VARIABLE "CALLERID(name)" "Alice Martin"\n')
            reader.readline()

    def accept() -> None:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


def _originate(rec: Recorder, channel: str, wait: str, agi_port: int, **headers: str) -> str:
    return rec.send(
        "Originate",
        Channel=channel,
        Application="Wait",
        Data=wait,
        CallerID=headers.pop("CallerID", '"" <+33123456789>'),
        Async="true",
        Variable=f"AGIPORT={agi_port}",
        **headers,
    )


def record(server: AsteriskServer) -> None:
    """Run every scenario against ``server`` and write the files."""
    agi_port = _agi_answerer()
    rec = Recorder(server)
    rec.send("Login", Username=server.ami_username, Secret=server.ami_secret, Events="on")
    rec.settle(1.0)
    rec.take("01_login.txt")

    _originate(rec, "Local/1000@incoming", "1", agi_port)
    rec.settle(1.0)
    rec.take("02_agi_call.txt")

    _originate(rec, "Local/3000@bridging", "3", agi_port, CallerID='"Bob" <1002>')
    time.sleep(1.0)
    rec.send("CoreShowChannels")
    rec.send("Status")
    rec.settle(1.0)
    rec.take("03_bridge_call.txt")

    for state in ("INUSE", "RINGING", "ONHOLD", "NOT_INUSE"):
        rec.send("Command", Command=f"devstate change Custom:alice {state}")
        rec.settle(0.3)
    rec.take("04_devstate_hints.txt")

    member = "Local/4003@agents/n"
    rec.send("QueueAdd", Queue="support", Interface=member, MemberName="Carol")
    rec.send("QueuePause", Queue="support", Interface=member, Paused="true", Reason="lunch")
    rec.send("QueuePause", Queue="support", Interface=member, Paused="false")
    _originate(rec, "Local/5000@queue", "4", agi_port, CallerID='"Dave" <1004>')
    time.sleep(0.5)
    rec.send("QueueStatus", Queue="support")
    rec.settle(1.5)
    rec.send("QueueRemove", Queue="support", Interface=member)
    rec.settle(1.0)
    rec.take("05_queue.txt")

    rec.send("DeviceStateList")
    rec.send("ExtensionStateList")
    rec.send("QueueStatus")
    rec.send("Status")
    rec.send("CoreShowChannels")
    rec.send("Command", Command="core show version")
    rec.send("Ping")
    rec.send("NoSuchAction")
    rec.send("Originate", Channel="Local/9999@nowhere", Application="Wait", Data="1")
    rec.send("Challenge", AuthType="MD5")
    rec.settle(1.0)
    rec.take("06_responses.txt")

    for index in range(BURST_CALLS):
        _originate(rec, "Local/1000@incoming", "0.2", agi_port, CallerID=f"<+3312345{index:04d}>")
    rec.settle(1.0, limit=120)
    rec.take("08_burst_300_calls.txt")
    rec.send("Logoff")
    rec.settle(0.5)
    rec.take("09_logoff.txt")


def record_logins(server: AsteriskServer) -> None:
    """A failed login, then an MD5 challenge login, each on its own connection."""
    for name, steps in (("07_login_failed.txt", "bad"), ("07_login_md5.txt", "md5")):
        rec = Recorder(server)
        if steps == "bad":
            rec.send("Login", Username=server.ami_username, Secret="wrong", Events="off")
            rec.settle(1.5)
        else:
            rec.send("Challenge", AuthType="MD5")
            rec.settle(0.3)
            with rec._lock:
                challenge = re.search(rb"Challenge: (\d+)", rec._buffer)
            assert challenge, "no challenge in the answer"
            digest = hashlib.md5(challenge.group(1) + server.ami_secret.encode()).hexdigest()
            rec.send(
                "Login", AuthType="MD5", Username=server.ami_username, Key=digest, Events="off"
            )
            rec.settle(0.5)
        rec.take(name)
        rec.sock.close()


if __name__ == "__main__":
    with running_asterisk() as asterisk:
        record(asterisk)
        record_logins(asterisk)
        print(asterisk.cli("core show version").strip())
