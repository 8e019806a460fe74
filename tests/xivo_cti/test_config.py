"""Tests for xivo_cti.config."""

import pytest

from xivo.config import ConfigError
from xivo_cti.config import CtidConfig, build_config, load_config
from xivo_cti.users._config import DEFAULT_USERS_FILE


def test_no_file_gives_defaults():
    """Without a file every section has its default, HTTP on loopback port 9503."""
    config = load_config(None)
    assert config == CtidConfig()
    assert config.ami.port == 5038
    assert config.cti.port == 5003
    assert config.users_file == DEFAULT_USERS_FILE
    assert (config.http.address, config.http.port) == ("127.0.0.1", 9503)


def test_reads_every_section(tmp_path):
    """A file sets AMI, CTI, users and HTTP keys."""
    path = tmp_path / "ctid.yml"
    path.write_text(
        "ami: {host: 10.0.0.1, port: 5039, username: u, secret: s}\n"
        "cti: {port: 5004}\n"
        "users_file: /tmp/users.yml\n"
        "users_db: {dsn: 'dbname=x', table: people}\n"
        "http: {address: 127.0.0.2}\n"
    )
    config = load_config(str(path))
    assert (config.ami.host, config.ami.port, config.ami.secret) == ("10.0.0.1", 5039, "s")
    assert config.cti.port == 5004
    assert config.users_file == "/tmp/users.yml"
    assert config.users_db.table == "people"
    assert (config.http.address, config.http.port) == ("127.0.0.2", 9503)


def test_unknown_key_names_file_and_key(tmp_path):
    """An unknown key stops loading with the file and key path in the message."""
    path = tmp_path / "ctid.yml"
    path.write_text("ami: {hots: x}\n")
    with pytest.raises(ConfigError, match=r"ctid\.yml: ami\.hots: unknown key"):
        load_config(str(path))


def test_wrong_type_names_key():
    """A wrong value type is reported with its key path."""
    with pytest.raises(ConfigError, match=r"http\.port"):
        build_config({"http": {"port": "nine"}})


def test_secret_not_in_repr():
    """The AMI secret never appears in the configuration's repr (logs)."""
    config = build_config({"ami": {"secret": "s3cr3t-value"}})
    assert "s3cr3t-value" not in repr(config)


def test_malformed_users_db_dsn_is_refused_without_its_password():
    """users_db.dsn is parsed by libpq when read: a broken one is named, password masked."""
    with pytest.raises(ConfigError) as info:
        build_config({"users_db": {"dsn": "postgresql://xivo:S3ntinel@[::1/xivo"}})
    assert str(info.value).startswith("users_db.dsn: not a valid libpq connection string")
    assert "S3ntinel" not in str(info.value)


def test_single_ami_is_the_ipbx_named_cti_ipbxid():
    """Without an ipbx section, the ami section is the one ipbx this node owns."""
    config = build_config({"ami": {"host": "10.0.0.1"}, "cti": {"ipbxid": "site-a"}})
    assert dict(config.owned_ipbx) == {"site-a": config.ami}
    assert config.ami.host == "10.0.0.1"


def test_several_ipbx_and_the_default_one():
    """Several ipbx in one node: each keeps its AMI settings; the default one (users
    without ``ipbx``) is the first, or the one ``cti.ipbxid`` names."""
    data = {"ipbx": {"paris": {"ami": {"port": 5038}}, "lyon": {"ami": {"port": 5039}}}}
    config = build_config(data)
    assert {i: a.port for i, a in config.owned_ipbx.items()} == {"paris": 5038, "lyon": 5039}
    assert (config.cti.ipbxid, config.ami.port) == ("paris", 5038)
    config = build_config({**data, "cti": {"ipbxid": "lyon"}})
    assert (config.cti.ipbxid, config.ami.port) == ("lyon", 5039)


def test_a_node_on_a_bus_may_own_no_ipbx():
    """With a bus, ``ipbx: {}`` is a node that only serves clients (the default ipbx is
    cti.ipbxid, owned elsewhere); the URL is kept out of the section's repr."""
    config = build_config({"bus": {"url": "amqp://u:s3cret@h/"}, "ipbx": {},
                           "cti": {"ipbxid": "paris"}})  # fmt: skip
    assert (dict(config.owned_ipbx), config.cti.ipbxid) == ({}, "paris")
    assert "s3cret" not in repr(config)


def test_ipbx_section_gives_ami_and_ipbxid():
    """One ipbx entry: its AMI settings are used, its id is what clients see."""
    config = build_config({"ipbx": {"paris": {"ami": {"host": "10.0.0.2", "secret": "s"}}}})
    assert (config.ami.host, config.ami.secret, config.cti.ipbxid) == ("10.0.0.2", "s", "paris")
    assert dict(config.owned_ipbx) == {"paris": config.ami}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"ami": {}, "ipbx": {"a": {}}}, r"^ipbx: give either ami"),
        ({"ipbx": {"a.b": {}}}, r"^ipbx: an ipbx id is"),
        ({"ipbx": {"a": {"ami": {"hots": "x"}}}}, r"^ipbx\.a\.ami\.hots: unknown key"),
        ({"ipbx": {"a": {}}, "cti": {"ipbxid": "b"}}, r"^cti\.ipbxid: 'b' is not one of the ipbx"),
        ({"ipbx": {}}, r"^ipbx: at least one ipbx without a bus"),
        ({"bus": {"url": "amqp://h/"}, "cti": {"ipbxid": "a b"}}, r"^cti\.ipbxid: an ipbx id"),
    ],
)
def test_ipbx_and_bus_errors_name_the_key(data, error):
    """Each wrong ipbx or bus setting is refused with its key path; what the running
    daemon cannot do (no ipbx without a bus) is refused rather than ignored."""
    with pytest.raises(ConfigError, match=error):
        build_config(data)


def test_without_bus_nothing_changes():
    """The embedded defaults have no bus URL: one node, no RabbitMQ."""
    assert load_config(None).bus.url == ""
    assert dict(load_config(None).owned_ipbx) == {"xivo": load_config(None).ami}
