"""The daemons' twistd plugins (``xivo.ops.plugin``), imported as twistd imports them."""

import subprocess
import sys
from pathlib import Path

from twisted.application.service import IServiceMaker
from twisted.plugin import getPlugins

REPO = str(Path(__file__).resolve().parents[3])


def test_every_daemon_has_its_plugin():
    """twistd finds xivo-agid, xivo-ctid and xivo, each with its daemon's options."""
    makers = {p.tapname: p for p in getPlugins(IServiceMaker)}
    for tapname, module in [
        ("xivo-agid", "xivo_agid.service"),
        ("xivo-ctid", "xivo_cti.service"),
        ("xivo", "xivo_combined.service"),
    ]:
        assert makers[tapname].options.__module__ == module
        assert makers[tapname].description


def test_plugin_modules_install_no_reactor():
    """Importing the plugin modules (as twistd does to list them, or to rebuild its plugin
    cache while resolving ``--reactor``), and the daemons' service modules behind them,
    leaves the reactor to be chosen."""
    code = (
        "import sys\n"
        "import twisted.plugins.xivo_agid_plugin, twisted.plugins.xivo_ctid_plugin\n"
        "import twisted.plugins.xivo_plugin, twisted.plugins.xivo_reactor\n"
        "import xivo_agid.service, xivo_cti.service, xivo_combined.service\n"
        "print('twisted.internet.reactor' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert done.stdout.strip() == "False", done.stderr


def test_twistd_runs_a_daemon_on_it_with_a_stale_plugin_cache(tmp_path):
    """``twistd --reactor=xivo`` starts on a fresh copy of the plugins (no cache yet)."""
    plugins = tmp_path / "twisted" / "plugins"
    plugins.mkdir(parents=True)
    for source in (Path(REPO) / "twisted" / "plugins").glob("*.py"):
        (plugins / source.name).write_text(source.read_text())
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); sys.path.insert(1, {REPO!r})\n"
        "import twisted.plugins\n"
        f"twisted.plugins.__path__.insert(0, {str(plugins)!r})\n"
        "from twisted.scripts.twistd import run\n"
        "sys.argv = ['twistd', '--reactor=xivo', '-n', '--pidfile=', 'xivo-agid', '--help']\n"
        "run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert "--config" in done.stdout, done.stdout + done.stderr
    assert "already installed" not in done.stdout + done.stderr
