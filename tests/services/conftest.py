"""Fixtures for the tests of the test services themselves."""

import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture
def apt_root(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An empty apt configuration folder and the environment that makes apt read it."""
    if shutil.which("apt-config") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("apt-config missing under CI", pytrace=False)
        pytest.skip("no apt-config (not a Debian host)")
    etc = tmp_path / "apt"
    for folder in ("apt.conf.d", "sources.list.d"):
        (etc / folder).mkdir(parents=True)
    main = tmp_path / "main.conf"
    main.write_text(f'Dir::Etc "{etc}/";\n')
    return etc, {"APT_CONFIG": str(main), "PATH": os.environ["PATH"]}
