"""The locks scripts/update-lock writes still answer setup.cfg and pyproject.toml: every
requirement is pinned, with hashes, at a version its specifier allows (a requirement
changed without refreshing the locks fails here, without the network)."""

import configparser
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]


def _pins(lock: str) -> dict[str, str]:
    """Name -> pinned version of a lock file, each pin checked to carry hashes."""
    lines = (REPO / "requirements" / lock).read_text().splitlines()
    pins = {}
    for line, after in zip(lines, lines[1:], strict=False):
        if "==" in line and not line.startswith((" ", "#")):
            name, version = line.split(" ")[0].split("==")
            pins[canonicalize_name(name)] = version
            assert after.strip().startswith("--hash=sha256:"), (lock, line)
    return pins


def _satisfied(requirements: list[str], pins: dict[str, str]) -> None:
    for line in requirements:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in the lock: run scripts/update-lock"
        assert requirement.specifier.contains(pins[name]), (line, pins[name])


def test_lock_pins_every_install_requirement():
    """requirements/lock.txt pins each of setup.cfg's install_requires."""
    setup = configparser.ConfigParser()
    setup.read(REPO / "setup.cfg")
    wanted = [line for line in setup["options"]["install_requires"].splitlines() if line]
    _satisfied(wanted, _pins("lock.txt"))


def test_build_lock_pins_the_build_backend():
    """requirements/build.txt pins pyproject.toml's build-system requirements."""
    build = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]
    _satisfied(build, _pins("build.txt"))
