"""The Asterisk rig's chroot cache: a cached chroot is used without asking for a mirror."""

import pytest

from testing.services.asterisk_chroot import ensure_chroot
from testing.services.debian_mirror import OVERRIDE, MirrorNotFound, find_mirror


def test_cached_chroot_needs_no_mirror(apt_root, tmp_path, monkeypatch):
    """With no mirror to be found, an existing chroot is still used as it is."""
    _etc, env = apt_root
    monkeypatch.setenv("APT_CONFIG", env["APT_CONFIG"])
    monkeypatch.delenv(OVERRIDE, raising=False)
    monkeypatch.setenv("CI", "true")  # a build attempt fails the test instead of skipping
    with pytest.raises(MirrorNotFound):
        find_mirror()
    root = tmp_path / "asterisk-root"
    (root / "usr/sbin").mkdir(parents=True)
    (root / "usr/sbin/asterisk").write_text("cached")
    ensure_chroot(root)
    assert sorted(p.name for p in root.iterdir()) == ["usr"]
    assert not root.with_name(root.name + ".partial").exists()
