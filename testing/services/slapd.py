"""Test service: a private OpenLDAP slapd (mdb backend) on a free loopback port.

The session fixture ``slapd_server`` skips (outside CI) when slapd is not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

from testing.services.postgres import free_port

__all__ = ["SLAPD", "SlapdServer", "slapd_server"]

SLAPD = os.environ.get("XIVO_TEST_SLAPD", "/usr/sbin/slapd")
SCHEMA_DIR = "/etc/ldap/schema"

_CONFIG = """\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 268435456
suffix "{base_dn}"
rootdn "{bind_dn}"
rootpw {bind_password}
directory {dir}/data
index objectClass eq
index telephoneNumber,mobile eq
"""


class SlapdServer:
    """slapd with a generated slapd.conf, base ``dc=example,dc=com`` and ``ou=people``.

    ``bind_dn``/``bind_password`` is the root account; ``stop()``/``start()``
    simulate an outage; ``add_ldif(text)`` adds entries with ldapadd.
    """

    base_dn = "dc=example,dc=com"
    people_dn = "ou=people,dc=example,dc=com"
    bind_dn = "cn=admin,dc=example,dc=com"
    bind_password = "test-secret"

    def __init__(self, port: int | None = None) -> None:
        self.dir = tempfile.mkdtemp(prefix="xivo-slapd-")
        self.port = port or free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None
        os.mkdir(os.path.join(self.dir, "data"))
        with open(os.path.join(self.dir, "slapd.conf"), "w") as f:
            f.write(
                _CONFIG.format(
                    schema=SCHEMA_DIR,
                    dir=self.dir,
                    base_dn=self.base_dn,
                    bind_dn=self.bind_dn,
                    bind_password=self.bind_password,
                )
            )

    @staticmethod
    def available() -> bool:
        """Whether slapd and ldapadd are installed."""
        return os.path.exists(SLAPD) and shutil.which("ldapadd") is not None

    def start(self) -> None:
        """Start slapd in the foreground and wait until it accepts connections."""
        conf = os.path.join(self.dir, "slapd.conf")
        self._process = subprocess.Popen(
            [SLAPD, "-f", conf, "-h", f"ldap://127.0.0.1:{self.port}/", "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"slapd exited with {self._process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("slapd did not start listening")

    def stop(self) -> None:
        """Stop slapd."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=15)
            self._process = None

    def destroy(self) -> None:
        """Stop slapd and remove its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def add_ldif(self, ldif: str) -> None:
        """Add the entries of ``ldif`` (test code only, synchronous)."""
        done = subprocess.run(
            ["ldapadd", "-x", "-H", self.uri, "-D", self.bind_dn, "-w", self.bind_password],
            input=ldif.encode(),
            capture_output=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"ldapadd failed ({done.returncode}): {done.stderr.decode()}")

    def add_person(self, uid: str, cn: str, sn: str, **attributes: str) -> None:
        """Add an inetOrgPerson under ``ou=people`` (e.g. ``telephoneNumber=...``)."""
        lines = [f"dn: uid={uid},{self.people_dn}", "objectClass: inetOrgPerson"]
        lines += [f"uid: {uid}", f"cn: {cn}", f"sn: {sn}"]
        lines += [f"{key}: {value}" for key, value in attributes.items()]
        self.add_ldif("\n".join(lines) + "\n")

    def add_base(self) -> None:
        """Create the base entry and ``ou=people``."""
        self.add_ldif(
            f"dn: {self.base_dn}\nobjectClass: dcObject\nobjectClass: organization\n"
            f"dc: example\no: Example\n\n"
            f"dn: {self.people_dn}\nobjectClass: organizationalUnit\nou: people\n"
        )


@pytest.fixture(scope="session")
def slapd_server() -> Iterator[SlapdServer]:
    """A running private slapd with the base entries, for the whole test session."""
    if not SlapdServer.available() and os.environ.get("CI") != "true":
        pytest.skip(f"slapd not found at {SLAPD} (or ldapadd missing)")
    server = SlapdServer()
    server.start()
    try:
        server.add_base()
        yield server
    finally:
        server.destroy()
