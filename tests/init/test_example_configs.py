"""The annotated example configurations in init/ are valid and say what they claim."""

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from xivo_agid.config import AgidConfig
from xivo_agid.config import load_config as load_agid
from xivo_combined.config import load_config as load_xivo
from xivo_cti.config import CtidConfig
from xivo_cti.config import load_config as load_ctid
from xivo_cti.users._loader import parse_users_text

INIT = Path(__file__).resolve().parents[2] / "init"


def test_agid_example_is_valid():
    """init/xivo-agid.yml loads, with its three source types and the lookup order."""
    config = load_agid(str(INIT / "xivo-agid.yml"))
    assert {s["type"] for s in config.sources.values()} == {"csv", "postgresql", "ldap"}
    assert config.reverse_lookup.sources == ("phonebook",)
    assert config.http.port == 9573


def test_ctid_example_is_valid():
    """init/xivo-ctid.yml loads, and its secret does not show in the config's repr."""
    config = load_ctid(str(INIT / "xivo-ctid.yml"))
    assert config.ami.secret == "change-me"
    assert "change-me" not in repr(config)


def test_users_example_is_valid_and_empty():
    """init/users.yml, the users file installed beside the examples, loads with no user
    (no known password is installed)."""
    text = (INIT / "users.yml").read_text()
    assert parse_users_text(text, "users.yml") == ()
    assert "- login:" in text  # the commented example entry


def test_combined_example_is_valid():
    """init/xivo.yml loads both sides from one file."""
    config = load_xivo(str(INIT / "xivo.yml"))
    assert config.agid.listen.port == 4573
    assert config.ctid.cti.port == 5003
    assert config.http.port == 9500


def test_units_run_their_plugin_and_reload_with_sighup():
    """Each systemd unit starts its own twistd plugin with its file on the daemons'
    reactor, and reloads by SIGHUP."""
    for unit, plugin, config in [
        ("xivo-agid.service", "xivo-agid", "/etc/xivo-agid/config.yml"),
        ("xivo-ctid.service", "xivo-ctid", "/etc/xivo-ctid/config.yml"),
        ("xivo.service", "xivo", "/etc/xivo/xivo.yml"),
    ]:
        lines = (INIT / unit).read_text().splitlines()
        [start] = [line for line in lines if line.startswith("ExecStart=")]
        assert start.startswith("ExecStart=/opt/xivo-cti/venv/bin/twistd "), (unit, start)
        assert f" {plugin} --config {config}" in start, (unit, start)
        assert " --reactor=xivo " in start, (unit, start)
        assert "ExecReload=/bin/kill -HUP $MAINPID" in lines, unit


HARDENING = {
    "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
    "PrivateDevices=yes", "ProtectKernelTunables=yes", "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes", "ProtectControlGroups=yes", "ProtectClock=yes",
    "ProtectHostname=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces=yes", "RestrictRealtime=yes", "RestrictSUIDSGID=yes",
    "LockPersonality=yes", "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service", "CapabilityBoundingSet=", "AmbientCapabilities=",
    "RemoveIPC=yes", "UMask=0077",
}  # fmt: skip


def test_units_run_as_their_system_user_hardened():
    """Each unit runs as the system user of its name (scripts/install creates it, and
    gives it its configuration folder), on a read-only system with the whole hardening;
    the CTI units have a state folder of their own."""
    for unit, state in [("xivo-agid", None), ("xivo-ctid", "xivo-ctid"), ("xivo", "xivo")]:
        lines = set((INIT / f"{unit}.service").read_text().splitlines())
        assert {f"User={unit}", f"Group={unit}"} <= lines, unit
        assert HARDENING <= lines, (unit, HARDENING - lines)
        assert (f"StateDirectory={state}" in lines) == (state is not None), unit


def _keys(section: object, prefix: str = "") -> list[str]:
    """Dotted names of every leaf key of a configuration dataclass, as the README writes
    them (a mapping of named entries, such as ``sources``, as ``sources.NAME.``)."""
    keys = []
    for field in dataclasses.fields(section):
        value = getattr(section, field.name)
        if dataclasses.is_dataclass(value):
            keys += _keys(value, f"{prefix}{field.name}.")
        elif isinstance(value, Mapping):
            keys.append(f"{prefix}{field.name}.NAME.")
        else:
            keys.append(prefix + field.name)
    return keys


def test_readme_documents_every_key():
    """Every configuration key of both daemons appears in the README's key tables."""
    readme = (INIT.parent / "README.md").read_text()
    tables = readme.split("### xivo-agid keys", 1)[1].split("## Operations", 1)[0]
    for config in (AgidConfig(), CtidConfig()):
        written = [f"`{k}" if k.endswith(".") else f"`{k}`" for k in _keys(config)]
        missing = [k for k in written if k not in tables]
        assert missing == [], f"not in the README: {missing}"
