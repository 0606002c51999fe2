"""core must stay headless: importing it pulls in no UI library."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

UI_MODULES = ("textual", "rich", "plotext")


def test_core_imports_no_ui_modules():
    code = (
        "import importlib, pkgutil, sys\n"
        "import rnn_tui.core\n"
        "for m in pkgutil.walk_packages(rnn_tui.core.__path__, 'rnn_tui.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "assert 'rnn_tui.core.trainer' in sys.modules and 'rnn_tui.tui' not in sys.modules\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {UI_MODULES!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"core imported UI modules: {out.stdout.strip()}"


def test_probe_detects_ui_modules():
    """The probe itself can fail: importing rich is seen."""
    code = "import sys, rnn_tui.core, rich\nprint('rich' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
