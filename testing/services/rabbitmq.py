"""Test service: a private RabbitMQ node (Debian's ``rabbitmq-server``) on free loopback ports.

The node has its own name, AMQP port, distribution port and epmd (``ERL_EPMD_PORT``), its
own cookie, user and password, and its data and logs under a temporary directory: it
neither sees nor disturbs a system RabbitMQ or another test run.  It runs as the
``rabbitmq`` user when root.  The session fixture ``rabbitmq_server`` skips (outside CI)
when RabbitMQ is not installed; ``RabbitMQNode.restart()`` stops and starts the node on the
same data (durable exchanges and queues survive, connections do not).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence

import pytest

from testing.services.postgres import free_port
from testing.waiting import wait_until

__all__ = ["RABBITMQ_BIN", "RabbitMQNode", "rabbitmq_server"]

RABBITMQ_BIN = os.environ.get("XIVO_TEST_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin")
_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
_START_TIMEOUT = 90


class RabbitMQNode:
    """One RabbitMQ node in a temporary directory; ``url`` is its AMQP URL (user ``xivo``)."""

    user = "xivo"

    def __init__(self, base_dir: str | None = None) -> None:
        self.dir = tempfile.mkdtemp(prefix="xivo-rabbitmq-", dir=base_dir)
        self.port, self.dist_port, self.epmd_port = free_port(), free_port(), free_port()
        self.node = f"xivo-test-{secrets.token_hex(4)}@localhost"
        self.password = secrets.token_hex(16)
        self.url = f"amqp://{self.user}:{self.password}@127.0.0.1:{self.port}/%2F"
        self._process: subprocess.Popen[bytes] | None = None
        self._write_files()

    @staticmethod
    def available() -> bool:
        """Whether RabbitMQ's server scripts are installed."""
        return os.path.exists(os.path.join(RABBITMQ_BIN, "rabbitmq-server"))

    def _write_files(self) -> None:
        home = os.path.join(self.dir, "home")
        for sub in ("home", "data", "log"):
            os.mkdir(os.path.join(self.dir, sub))
        self._write("home/.erlang.cookie", secrets.token_hex(20), mode=0o400)
        self._write("rabbitmq-env.conf", "")
        self._write("enabled_plugins", "[].\n")
        self._write(
            "rabbitmq.conf",
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            f"default_user = {self.user}\ndefault_pass = {self.password}\n"
            "default_vhost = /\n",
        )
        self.env = {
            "PATH": _PATH,
            "HOME": home,
            "LANG": "C.UTF-8",
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "RABBITMQ_CONF_ENV_FILE": os.path.join(self.dir, "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": os.path.join(self.dir, "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(self.dir, "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": os.path.join(self.dir, "data"),
            "RABBITMQ_LOG_BASE": os.path.join(self.dir, "log"),
            "RABBITMQ_PID_FILE": os.path.join(self.dir, "node.pid"),
        }
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o755)
            for root, dirs, files in os.walk(self.dir):
                for name in (*dirs, *files):
                    shutil.chown(os.path.join(root, name), "rabbitmq", "rabbitmq")
            shutil.chown(self.dir, "rabbitmq", "rabbitmq")

    def _write(self, relative: str, text: str, mode: int = 0o600) -> None:
        path = os.path.join(self.dir, relative)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)

    def _command(self, program: str, args: Sequence[str]) -> list[str]:
        # runuser resets HOME to the user's own: set the environment after it.
        env = [f"{k}={v}" for k, v in self.env.items()]
        command = ["env", "-i", *env, os.path.join(RABBITMQ_BIN, program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "rabbitmq", "--", *command]
        return command

    def ctl(self, *args: str, timeout: float = 60) -> str:
        """Run ``rabbitmqctl`` against this node; its output."""
        done = subprocess.run(
            self._command("rabbitmqctl", ["-n", self.node, *args]),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {args[0]} failed: {done.stderr.decode()[-2000:]}")
        return done.stdout.decode()

    def start(self) -> None:
        """Start the node and wait until it accepts AMQP connections."""
        if self._process is not None:
            return
        log = open(os.path.join(self.dir, "server.out"), "ab")  # noqa: SIM115
        with log:
            self._process = subprocess.Popen(
                self._command("rabbitmq-server", []),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            self.ctl(
                "wait", self.env["RABBITMQ_PID_FILE"], "--timeout", str(_START_TIMEOUT),
                timeout=_START_TIMEOUT + 30,
            )  # fmt: skip
            self._await_port()
        except BaseException:
            self.stop()
            raise

    def _await_port(self) -> None:
        wait_until(self._accepts, timeout=_START_TIMEOUT, what=f"RabbitMQ on {self.port}")

    def _accepts(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        """Stop the node cleanly (every connection is closed); kill it if that fails."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            self.ctl("shutdown", "--timeout", "60", timeout=90)
        except (RuntimeError, subprocess.TimeoutExpired):
            os.killpg(process.pid, 9)
        process.wait(timeout=30)

    def restart(self) -> None:
        """Stop and start again on the same data, ports and name."""
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        """Whether the node was started and not stopped."""
        return self._process is not None

    def destroy(self) -> None:
        """Stop the node and its private epmd, and remove its directory."""
        try:
            self.stop()
        finally:
            subprocess.run(self._command_epmd_kill(), capture_output=True, timeout=30, check=False)
            shutil.rmtree(self.dir, ignore_errors=True)

    def _command_epmd_kill(self) -> list[str]:
        return ["env", "-i", f"PATH={_PATH}", f"ERL_EPMD_PORT={self.epmd_port}", "epmd", "-kill"]


@pytest.fixture(scope="session")
def rabbitmq_server() -> Iterator[RabbitMQNode]:
    """A running private RabbitMQ node for the whole test session."""
    if not RabbitMQNode.available() and os.environ.get("CI") != "true":
        pytest.skip(f"RabbitMQ not found in {RABBITMQ_BIN} (scripts/setup-debian --test)")
    node = RabbitMQNode()
    try:
        node.start()
        yield node
    finally:
        node.destroy()
