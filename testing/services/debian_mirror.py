"""The Debian mirror the test Asterisk's chroot is built from, taken from the host's apt.

``XIVO_TEST_DEBIAN_MIRROR`` (a mirror's base URL, the folder holding ``dists/``) wins;
otherwise the first Debian archive of the host's sources, in apt's order: the one-line
``deb`` entries of ``sources.list``, then ``sources.list.d/*.list`` and ``*.sources``
(deb822). A Debian archive is a ``deb`` entry with component ``main`` and a suite naming
a Debian release (the host's codename, ``stable``, ``unstable``...): a security,
backports or third-party entry is not one. The host may run another release than the
chroot: only the base URL is taken. A proxy comes from ``Acquire::<scheme>::Proxy``
(per-host key first, ``DIRECT`` for none). Where apt keeps these files and what its
configuration says is asked of ``apt-config``, so ``APT_CONFIG`` and every apt.conf
syntax are honoured.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from testing.services.chroots import run

OVERRIDE = "XIVO_TEST_DEBIAN_MIRROR"
SCHEMES = ("http", "https", "file")
"""What debootstrap and a minimal chroot's apt can fetch from."""
ALIASES = frozenset({"stable", "oldstable", "testing", "unstable", "sid"})
_PART_NAME = re.compile(r"[A-Za-z0-9_.-]+\.(list|sources)")


class MirrorNotFound(RuntimeError):
    """No usable Debian mirror in the host's apt sources and no override."""


@dataclass(frozen=True)
class Source:
    """One ``deb`` entry of an apt sources file."""

    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    origin: str


@dataclass(frozen=True)
class Mirror:
    """A Debian mirror's base URL and the proxy apt uses for it.

    ``proxy`` is None when apt names none (the environment's own, if any, applies) and
    ``"DIRECT"`` when apt says to go direct.
    """

    url: str
    proxy: str | None = None

    @property
    def shown(self) -> str:
        """The URL without any user or password, for messages."""
        return redact(self.url)

    def environ(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` with the proxy variables debootstrap's wget and apt read."""
        env = dict(base)
        variable = f"{urlsplit(self.url).scheme}_proxy"
        if self.proxy == "DIRECT":
            env.pop(variable, None)
            env.pop(variable.upper(), None)
        elif self.proxy:
            env[variable] = self.proxy
        return env


def redact(url: str) -> str:
    """``url`` with its user and password (if any) removed."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def one_line_sources(text: str, origin: str) -> list[Source]:
    """The ``deb`` entries of a one-line-format file (``sources.list``, ``*.list``)."""
    sources = []
    for line in text.splitlines():
        words = line.partition("#")[0].split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        if words and words[0].startswith("["):  # options, up to the closing bracket
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if len(words) >= 2:
            sources.append(Source(words[0], (words[1],), tuple(words[2:]), origin))
    return sources


def deb822_sources(text: str, origin: str) -> list[Source]:
    """The enabled ``deb`` entries of a deb822-format file (``*.sources``)."""
    sources = []
    for fields in _paragraphs(text):
        enabled = fields.get("enabled", "yes").lower() != "no"
        if not enabled or "deb" not in fields.get("types", "").split():
            continue
        suites = tuple(fields.get("suites", "").split())
        components = tuple(fields.get("components", "").split())
        for uri in fields.get("uris", "").split():
            sources.append(Source(uri, suites, components, origin))
    return sources


def _paragraphs(text: str) -> Iterable[dict[str, str]]:
    fields: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if fields:
                yield fields
            fields, key = {}, ""
        elif line[0] in " \t" and key:
            fields[key] += " " + line.strip()
        else:
            name, _colon, value = line.partition(":")
            key = name.strip().lower()
            fields[key] = value.strip()
    if fields:
        yield fields


def is_debian_archive(source: Source, codename: str | None) -> bool:
    """Whether ``source`` is a Debian release's main archive (not security, not a third party)."""
    releases = ALIASES | ({codename} if codename else set())
    return "main" in source.components and any(s in releases for s in source.suites)


def pick(sources: Iterable[Source], codename: str | None) -> str:
    """The base URL of the first Debian archive in ``sources`` fetchable by debootstrap."""
    seen = []
    for source in sources:
        scheme = urlsplit(source.uri).scheme
        if is_debian_archive(source, codename) and scheme in SCHEMES:
            return source.uri.rstrip("/")
        seen.append(f"{redact(source.uri)} {' '.join(source.suites)} ({source.origin})")
    listed = "; ".join(seen) or "no deb entry"
    raise MirrorNotFound(
        f"no Debian archive (a deb entry with component main and suite {codename or 'stable'}"
        f" or {', '.join(sorted(ALIASES))}, over {'/'.join(SCHEMES)}) in the host's apt"
        f" sources ({listed}); set {OVERRIDE} to a Debian mirror's base URL"
        " (the folder holding dists/sid)"
    )


def read_sources(source_list: Path, source_parts: Path) -> list[Source]:
    """Every ``deb`` entry of the host's sources files, in apt's order."""
    sources = []
    if source_list.is_file():
        sources += one_line_sources(source_list.read_text(), str(source_list))
    parts = source_parts.iterdir() if source_parts.is_dir() else ()
    for path in sorted(p for p in parts if _PART_NAME.fullmatch(p.name)):
        read = deb822_sources if path.suffix == ".sources" else one_line_sources
        sources += read(path.read_text(), str(path))
    return sources


def apt_config(names: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    """Values of apt configuration keys (``{shell name: key}``); unset keys are left out."""
    if shutil.which("apt-config") is None:
        raise MirrorNotFound(f"no apt-config to read the host's apt sources; set {OVERRIDE}")
    args = [word for pair in names.items() for word in pair]
    result = run(["apt-config", "shell", *args], timeout=30, env=environ)
    if result.returncode != 0:
        raise MirrorNotFound(f"apt-config failed: {result.stderr.strip()}; set {OVERRIDE}")
    values = {}
    for word in shlex.split(result.stdout):
        name, _equals, value = word.partition("=")
        values[name] = value
    return values


def proxy_for(url: str, environ: Mapping[str, str]) -> str | None:
    """What apt's configuration says about a proxy for ``url`` (None if nothing)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or shutil.which("apt-config") is None:
        return None
    key = f"Acquire::{parts.scheme}::Proxy"
    values = apt_config({"HOST": f"{key}::{parts.hostname}", "ANY": key}, environ)
    return values.get("HOST") or values.get("ANY") or None


def host_codename(os_release: Path = Path("/etc/os-release")) -> str | None:
    """The host's Debian codename, None on another distribution."""
    try:
        lines = os_release.read_text().splitlines()
    except OSError:
        return None
    fields = dict(line.partition("=")[::2] for line in lines)
    if fields.get("ID", "").strip("\"'") != "debian":
        return None
    return fields.get("VERSION_CODENAME", "").strip("\"'") or None


def find_mirror(environ: Mapping[str, str] = os.environ, codename: str | None = None) -> Mirror:
    """The mirror to build the chroot from: the override, else the host's apt sources."""
    url = environ.get(OVERRIDE, "").strip().rstrip("/")
    if not url:
        paths = apt_config(
            {"LIST": "Dir::Etc::sourcelist/f", "PARTS": "Dir::Etc::sourceparts/d"}, environ
        )
        sources = read_sources(Path(paths["LIST"]), Path(paths["PARTS"]))
        url = pick(sources, codename or host_codename())
    return Mirror(url, proxy_for(url, environ))


def debootstrap(mirror: Mirror, options: list[str], suite: str, target: Path) -> None:
    """Bootstrap ``suite`` into ``target`` from ``mirror`` through its proxy; RuntimeError
    (without the mirror's user or password) if it fails."""
    args = ["debootstrap", *options, suite, str(target), mirror.url]
    result = run(args, timeout=1200, env=mirror.environ(os.environ))
    if result.returncode != 0:
        error = result.stderr[-2000:].replace(mirror.url, mirror.shown)
        raise RuntimeError(f"debootstrap of {suite} from {mirror.shown} failed: {error}")
