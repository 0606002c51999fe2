"""core must stay headless: importing it pulls in no UI library."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

UI_MODULES = ("textual", "rich", "plotext")


def test_core_imports_no_ui_modules():
    code = (
        "import sys\n"
        "import core, core.trainer, core.checkpoint, core.gradcheck, core.sampling\n"
        "import core.model, core.losses, core.optim, core.tasks, core.config\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {UI_MODULES!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"core imported UI modules: {out.stdout.strip()}"


def test_probe_detects_ui_modules():
    """The probe itself can fail: importing rich is seen."""
    code = "import sys, core, rich\nprint('rich' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
