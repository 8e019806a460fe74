"""Tests of xivo_agid.fastagi._peers: the allow-list of peer addresses."""

from xivo_agid.fastagi._peers import AllowList


def test_addresses_networks_and_mapped_ipv4():
    """Single addresses, networks and IPv4-mapped IPv6 forms are matched; junk is not."""
    allow = AllowList(["127.0.0.1", "::1", "10.1.0.0/16"])
    assert allow.allows("127.0.0.1") and allow.allows("::1") and allow.allows("10.1.200.3")
    assert allow.allows("::ffff:10.1.0.9")
    assert not allow.allows("127.0.0.2") and not allow.allows("10.2.0.1")
    assert not allow.allows("") and not allow.allows("not-an-address")


def test_remembered_verdicts_stay_bounded():
    """However many hosts knock, the remembered verdicts stay under MAX_REMEMBERED."""
    allow = AllowList(["127.0.0.1"])
    for i in range(AllowList.MAX_REMEMBERED * 3):
        assert not allow.allows(f"10.0.{i // 256 % 256}.{i % 256}")
    assert len(allow._seen) <= AllowList.MAX_REMEMBERED
    assert allow.allows("127.0.0.1")
