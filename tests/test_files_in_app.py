"""Saving and exporting from the app: 'save as', a current folder that cannot be
written, export from every view, and nothing half-written left behind."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from rnn_tui.core import Config, Trainer, checkpoint
from rnn_tui.tui import export
from rnn_tui.tui.app import RnnApp
from tests.app_helpers import trained, wait_until, worker_ready


async def test_save_as_writes_where_it_is_told(tmp_path):
    app = RnnApp(trained("echo", 12), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.press("S")
        await pilot.pause(0.2)
        app.screen.query_one("#path").value = str(tmp_path / "mine")
        await pilot.press("enter")
        await wait_until(pilot, lambda: (tmp_path / "mine.npz").exists(), what="the checkpoint")
        await wait_until(pilot, lambda: app._saved is not None, what="the saved mark")
    assert checkpoint.load(tmp_path / "mine.npz").iteration == 12


async def test_save_as_into_a_folder_writes_inside_it_named_when_written(tmp_path):
    """A folder typed (or the suggestion kept) gets the file inside, named after the
    iteration the run is at when it is written: it wrote /folder.npz beside the
    folder, and the suggestion's iteration lagged a training run by thousands."""
    app = RnnApp(trained("echo", 12), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.press("S")
        await pilot.pause(0.2)
        app.screen.query_one("#path").value = str(tmp_path) + "/"
        await pilot.press("enter")
        await wait_until(pilot, lambda: (tmp_path / "rnn-tui-echo-it12.npz").exists(), what="the checkpoint")
    assert not (tmp_path.parent / f"{tmp_path.name}.npz").exists()


@pytest.mark.parametrize("key, typed, says", [
    ("o", "nope.npz", "checkpoint not found: "),
    ("o", "notes.txt", "is not an rnn-tui checkpoint (not an .npz file)"),
    ("S", "no/such/folder/x.npz", "does not exist"),
    ("o", "moved.npz", "is not there any more: quit and open it with rnn-tui --load"),
])
async def test_a_path_that_cannot_work_keeps_its_dialog_open_and_says_why(tmp_path, monkeypatch, key, typed, says):
    """Open and save-as closed on a bad path, the error in the status line; the keys
    typed next to mend it went to the screen behind (t, p ... changed the run)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("hello\n")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat. " * 40)
    checkpoint.save(Trainer(Config(task="charlm", text=str(corpus), hidden=8)), tmp_path / "moved.npz")
    corpus.unlink()                                                 # the corpus has moved
    app = RnnApp(trained("echo", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.press(key)
        await pilot.pause(0.2)
        app.screen.query_one("#path").value = typed
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.screen.query_one("#path").value == typed             # still open, the path kept
        assert says in str(app.screen.query_one("#warning").content)
        await pilot.press("escape")


async def _asks_where(pilot, key: str, says: str) -> None:
    """``key`` opens a path dialog that says why it does not offer the current folder."""
    await pilot.press(key)
    await pilot.pause(0.2)
    assert says in str(pilot.app.screen.query_one("#warning").content)


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs Linux's /sys")
async def test_s_asks_for_a_place_when_the_current_folder_cannot_be_written(tmp_path, monkeypatch):
    monkeypatch.chdir("/sys")                                    # takes no new file, even from root
    app = RnnApp(trained("echo", 7), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await _asks_where(pilot, "s", "cannot be written: save where?")
        app.screen.query_one("#path").value = str(tmp_path / "here.npz")
        await pilot.press("enter")
        await wait_until(pilot, lambda: (tmp_path / "here.npz").exists(), what="the checkpoint")


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs Linux's /sys")
async def test_e_and_the_runs_export_propose_a_folder_that_takes_files(tmp_path, monkeypatch):
    monkeypatch.chdir("/sys")
    monkeypatch.setenv("HOME", str(tmp_path))
    app = RnnApp(trained("echo", 7), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await _asks_where(pilot, "e", "cannot be written: write where?")
        assert app.screen.query_one("#folder").value == str(tmp_path / "rnn-tui-export")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "exported" in app.message, what="the export")
        await pilot.press("x")
        await pilot.pause(0.3)
        assert app.screen.default_export == tmp_path / "rnn-tui-runs.csv"
        await _asks_where(pilot, "e", "cannot be written: write where?")
    assert (tmp_path / "rnn-tui-export" / "metrics-echo-it7.csv").exists()


async def test_e_exports_the_neuron_view_too(tmp_path):
    app = RnnApp(trained("charlm", 20), paused=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await worker_ready(pilot)
        await pilot.press("u")
        await wait_until(pilot, lambda: getattr(app.screen, "report", None) is not None, what="the report")
        await pilot.press("e")
        await pilot.pause(0.2)
        app.screen.query_one("#folder").value = str(tmp_path / "out")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "exported" in app.message, what="the export")
    svg = (tmp_path / "out" / "screen-charlm-it20.svg").read_text()
    assert "Neuron" in svg and (tmp_path / "out" / "metrics-charlm-it20.csv").exists()


def test_a_failed_export_leaves_nothing_behind(tmp_path, monkeypatch):
    snap = trained("echo", 30).snapshot()

    def full_disk(tmp, *args):
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "_write", full_disk)
    with pytest.raises(OSError):
        export.write_metrics_csv(tmp_path / "m.csv", snap)
    assert list(tmp_path.iterdir()) == []
