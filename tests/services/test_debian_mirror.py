"""The chroot's Debian mirror derived from sample apt configurations (real apt-config)."""

import pytest

from testing.services.debian_mirror import (
    OVERRIDE,
    Mirror,
    MirrorNotFound,
    deb822_sources,
    find_mirror,
    one_line_sources,
    pick,
    redact,
)

ONE_LINE = """\
# the host's own archive comes last here: security and third parties first
deb http://security.example/debian-security bookworm-security main
deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] https://vendor.example/apt bookworm stable
deb http://nodes.example/node_20.x nodistro main
deb-src http://mirror-one.example/debian bookworm main
deb [ arch=amd64 ] http://mirror-one.example/debian/ bookworm main contrib # the archive
"""

DEB822 = """\
Types: deb
# a comment between fields
URIs: http://mirror-two.example/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://sources-only.example/debian
Suites: bookworm
Components: main

Types: deb deb-src
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no

types: deb
uris: cdrom:/media/cdrom/ http://user:secret@mirror-two.example/snapshot/debian
suites: bookworm
 bookworm-updates
components: main non-free-firmware
"""


def test_one_line_entries():
    """deb lines with and without options are read; deb-src and comments are not."""
    sources = one_line_sources(ONE_LINE, "sources.list")
    assert [s.uri for s in sources] == [
        "http://security.example/debian-security",
        "https://vendor.example/apt",
        "http://nodes.example/node_20.x",
        "http://mirror-one.example/debian/",
    ]
    assert sources[-1].suites == ("bookworm",)
    assert sources[-1].components == ("main", "contrib")


def test_one_line_picks_the_debian_archive():
    """Not security, not a vendor's codename suite without main, not a vendor's own suite."""
    sources = one_line_sources(ONE_LINE, "sources.list")
    assert pick(sources, "bookworm") == "http://mirror-one.example/debian"


def test_deb822_entries():
    """Paragraphs, case-insensitive keys, continued fields; disabled and deb-src-only ones
    are left out."""
    sources = deb822_sources(DEB822, "debian.sources")
    assert [s.uri for s in sources] == [
        "http://mirror-two.example/debian-security",
        "cdrom:/media/cdrom/",
        "http://user:secret@mirror-two.example/snapshot/debian",
    ]
    assert sources[-1].suites == ("bookworm", "bookworm-updates")


def test_deb822_picks_the_fetchable_debian_archive():
    """The cdrom entry is a Debian archive debootstrap cannot fetch from: the next one wins."""
    sources = deb822_sources(DEB822, "debian.sources")
    assert pick(sources, "bookworm") == "http://user:secret@mirror-two.example/snapshot/debian"


def test_release_aliases_count_as_debian():
    """A host on sid names its archive `unstable` or `sid` rather than a codename."""
    sources = one_line_sources("deb file:///srv/debian unstable main\n", "sources.list")
    assert pick(sources, "trixie") == "file:///srv/debian"


def test_nothing_found_says_what_was_read_and_how_to_override():
    """The error lists the entries seen (without passwords) and names the override."""
    text = "deb http://u:pw@vendor.example/apt bookworm stable\n"
    with pytest.raises(MirrorNotFound) as caught:
        pick(one_line_sources(text, "/etc/apt/sources.list"), "bookworm")
    message = str(caught.value)
    assert "http://vendor.example/apt bookworm (/etc/apt/sources.list)" in message
    assert OVERRIDE in message and "pw" not in message


def test_no_source_at_all(apt_root):
    """An apt configuration without any sources file gives the clear error."""
    _etc, env = apt_root
    with pytest.raises(MirrorNotFound, match=f"no deb entry.*{OVERRIDE}"):
        find_mirror(env, codename="bookworm")


def test_host_files_in_apt_order(apt_root):
    """sources.list first, then sources.list.d by name; other file names are ignored."""
    etc, env = apt_root
    (etc / "sources.list").write_text("deb http://security.example/x bookworm-security main\n")
    parts = etc / "sources.list.d"
    (parts / "a.list.disabled").write_text("deb http://ignored.example/debian bookworm main\n")
    (parts / "b.list").write_text("deb http://third.example/apt nodistro main\n")
    (parts / "c.sources").write_text(DEB822)
    (parts / "d.list").write_text("deb http://later.example/debian bookworm main\n")
    mirror = find_mirror(env, codename="bookworm")
    assert mirror == Mirror("http://user:secret@mirror-two.example/snapshot/debian", None)
    assert mirror.shown == "http://mirror-two.example/snapshot/debian"


def test_proxy_from_apt_conf(apt_root):
    """Acquire::http::Proxy in any apt.conf syntax is the mirror's proxy."""
    etc, env = apt_root
    (etc / "sources.list").write_text("deb http://mirror-one.example/debian bookworm main\n")
    (etc / "apt.conf.d" / "30proxy").write_text(
        'Acquire { http { Proxy "http://proxy.example:3128/"; }; };\n'
    )
    mirror = find_mirror(env, codename="bookworm")
    assert mirror.proxy == "http://proxy.example:3128/"
    environ = mirror.environ({"HOME": "/root"})
    assert environ == {"HOME": "/root", "http_proxy": "http://proxy.example:3128/"}


def _mirror(apt_root, apt_conf: str, sources_list: str) -> Mirror:
    """The mirror found with this apt.conf and sources.list."""
    etc, env = apt_root
    (etc / "apt.conf").write_text(apt_conf)
    (etc / "sources.list").write_text(sources_list)
    return find_mirror(env, codename="bookworm")


def test_per_host_direct_proxy(apt_root):
    """A host-specific DIRECT wins over the general proxy and clears the inherited one."""
    conf = (
        'Acquire::http::Proxy "http://proxy.example:3128/";\n'
        'Acquire::http::Proxy::mirror-one.example "DIRECT";\n'
    )
    mirror = _mirror(apt_root, conf, "deb http://mirror-one.example/debian bookworm main\n")
    assert mirror.proxy == "DIRECT"
    assert mirror.environ({"http_proxy": "http://old.example/", "A": "1"}) == {"A": "1"}


def test_https_mirror_uses_the_https_proxy(apt_root):
    """The proxy key follows the mirror's scheme."""
    conf = (
        'Acquire::http::Proxy "http://plain.example:1/";\n'
        'Acquire::https::Proxy "http://tls.example:2/";\n'
    )
    mirror = _mirror(apt_root, conf, "deb https://mirror-one.example/debian stable main\n")
    assert mirror.environ({}) == {"https_proxy": "http://tls.example:2/"}


def test_override_wins_and_keeps_apt_proxy(apt_root):
    """XIVO_TEST_DEBIAN_MIRROR replaces the sources; apt's proxy still applies to it."""
    etc, env = apt_root
    (etc / "apt.conf").write_text('Acquire::http::Proxy "http://proxy.example:3128/";\n')
    env[OVERRIDE] = " http://local-cache.example:3142/debian/ "
    assert find_mirror(env, codename="bookworm") == Mirror(
        "http://local-cache.example:3142/debian", "http://proxy.example:3128/"
    )


def test_redact_keeps_urls_without_credentials():
    """Only the user and password are removed."""
    assert redact("http://mirror.example:80/debian") == "http://mirror.example:80/debian"
    assert redact("https://u:p@mirror.example/debian") == "https://mirror.example/debian"
