"""Shared fixtures for the core test suite."""

from __future__ import annotations

import os
import subprocess
import tempfile
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Autosaves (and the fallback of a failed save) go to the user's state folder: never
# the real one during tests.  Set before anything runs, so child processes inherit it.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="rnn-tui-test-state-")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="rnn-tui-test-config-")   # the config file, too


@pytest.fixture
def run_cli():
    """Run the real entry point (``python -m rnn_tui ...``) in a subprocess, output piped."""

    def run(*args, timeout: float = 120, cwd=REPO) -> subprocess.CompletedProcess:
        env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONPATH=str(REPO))
        return subprocess.run([sys.executable, "-m", "rnn_tui", *map(str, args)], cwd=cwd,
                              capture_output=True, text=True, timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL)

    return run
