"""The wheel installs one import package, ``rnn_tui``, and lives beside packages named
``core`` and ``tui`` (a ``tui`` distribution exists on PyPI) without breaking either."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    return next(out.glob("rnn_tui-*.whl"))


def test_the_wheel_holds_one_import_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"rnn_tui"}
    assert "rnn_tui/core/model.py" in names and "rnn_tui/tui/app.py" in names
    assert "rnn_tui/samples/tinyshakespeare.txt" in names and "rnn_tui/__main__.py" in names


def test_installed_next_to_packages_named_core_and_tui(wheel, tmp_path):
    site = tmp_path / "site"
    for name in ("core", "tui"):
        (site / name).mkdir(parents=True)
        (site / name / "__init__.py").write_text(f"WHO = 'the other {name}'\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    # the checkout is not on the path here: cwd is elsewhere and PYTHONPATH puts the target first
    env = dict(os.environ, PYTHONPATH=str(site))
    probe = ("import core, tui, rnn_tui, rnn_tui.core.trainer, rnn_tui.tui.app\n"
             "print(core.WHO, '|', tui.WHO, '|', rnn_tui.core.trainer.__file__)\n")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    who_core, who_tui, where = (s.strip() for s in out.stdout.split("|"))
    assert (who_core, who_tui) == ("the other core", "the other tui")
    assert Path(where).is_relative_to(site)
    run = subprocess.run([sys.executable, "-m", "rnn_tui", "--headless", "--task", "echo", "--steps", "20"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "20 iterations" in run.stdout
    # the default corpus ships inside the package
    run = subprocess.run([sys.executable, "-m", "rnn_tui", "--headless", "--steps", "2"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
