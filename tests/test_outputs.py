"""Nothing the user asked for is found out only after the training: outputs are
checked before the first step; a save that fails at the end goes somewhere that
works; a run that trains a while is autosaved, and ``--resume`` continues it."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnn_tui.core import Config, Trainer, autosave, checkpoint

ROOT = Path(__file__).resolve().parents[1]
UNWRITABLE = Path("/sys")         # refuses new files even to root (sysfs)


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    """The user's state folder (autosaves) inside the test's own folder."""
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


@pytest.mark.skipif(not UNWRITABLE.is_dir(), reason="needs Linux's /sys")
@pytest.mark.parametrize("flag", ["--save", "--csv", "--jsonl", "--record"])
def test_an_output_that_cannot_be_written_is_refused_before_training(run_cli, flag):
    t0 = time.monotonic()
    out = run_cli("--headless", "--task", "subtraction", "--steps", "200000", flag, UNWRITABLE / "out.x")
    assert out.returncode == 2
    assert out.stderr.startswith(f"rnn-tui: error: cannot write {flag} /sys/out.x") and "new files" in out.stderr
    assert out.stdout == ""                           # not one iteration was trained
    assert out.stderr.count("\n") == 1 and time.monotonic() - t0 < 60


def test_an_output_that_is_a_folder_is_refused(run_cli, tmp_path):
    out = run_cli("--headless", "--task", "echo", "--steps", "5", "--csv", tmp_path)
    assert out.returncode == 2 and "is a folder" in out.stderr


def test_a_save_that_fails_at_the_end_goes_to_the_state_folder(tmp_path, state_home, monkeypatch, capsys):
    from rnn_tui.tui import headless

    real = checkpoint.save
    target = tmp_path / "run.npz"

    def disk_full(trainer, path):
        if Path(path) == target:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(trainer, path)

    monkeypatch.setattr(checkpoint, "save", disk_full)
    trainer = Trainer(Config(task="echo", seed=2))
    status = headless.run(trainer, 30, save=str(target))
    err = capsys.readouterr().err
    fallback = state_home / "rnn-tui" / "saves" / "run.npz"
    assert status == 1
    assert f"cannot save checkpoint {target}: No space left on device; saved it to {fallback} instead" in err
    assert checkpoint.load(fallback).iteration == 30                  # the run is not lost


def test_autosave_keeps_the_newest_runs_and_resume_continues_the_newest(state_home, run_cli, monkeypatch):
    monkeypatch.setattr(autosave, "KEEP", 2)
    runs = []
    for seed in range(3):
        tr = Trainer(Config(task="echo", seed=seed))
        for _ in range(10 + seed):
            tr.step()
        runs.append(autosave.save(tr))
        time.sleep(0.01)                                              # distinct modification times
    kept = autosave.autosaves()
    assert kept == [runs[2], runs[1]]                                 # the oldest is gone
    out = run_cli("--headless", "--resume", "--steps", "5")
    assert out.returncode == 0, out.stderr
    assert f"resuming {runs[2]} (iteration 12)" in out.stderr and "iter 17" in out.stdout
    assert run_cli("--headless", "--resume", "--hidden", "5").stderr.startswith(
        "rnn-tui: error: --hidden cannot change a run resumed with --resume")


def test_resume_without_an_autosave_says_where_it_looked(state_home, run_cli):
    out = run_cli("--headless", "--resume")
    assert out.returncode == 2
    assert out.stderr == f"rnn-tui: error: no autosaved run to resume (autosaves live in " \
                         f"{state_home / 'rnn-tui' / 'autosave'})\n"


def test_headless_autosaves_a_run_that_trained_long_enough(state_home, monkeypatch, capsys):
    from rnn_tui.tui import headless

    monkeypatch.setattr(autosave, "MIN_TRAINING", 0.0)
    monkeypatch.setattr(autosave.Autosaver.__init__, "__defaults__", (True, 0.0, 0.0))
    trainer = Trainer(Config(task="echo"))
    assert headless.run(trainer, 40) == 0
    saved = autosave.autosaves()
    assert len(saved) == 1 and checkpoint.load(saved[0]).iteration == 40
    assert "autosaved:" in capsys.readouterr().out
    trainer = Trainer(Config(task="echo"))
    assert headless.run(trainer, 10, autosave=False) == 0            # --no-autosave
    assert len(autosave.autosaves()) == 1


def test_sigterm_stops_headless_training_and_keeps_the_run(state_home, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(state_home))
    proc = subprocess.Popen([sys.executable, "-m", "rnn_tui", "--headless", "--task", "echo", "--steps", "10000000",
                             "--csv", str(tmp_path / "m.csv")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not (tmp_path / "m.csv").exists()
                                           or (tmp_path / "m.csv").stat().st_size < 2000):
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert "stopped by a signal at iteration" in err and "Traceback" not in err
    rows = (tmp_path / "m.csv").read_text().splitlines()
    assert len(rows) > 10 and rows[-1].count(",") == rows[0].count(",")   # the file was closed whole
