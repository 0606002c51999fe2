"""'Unsaved training' is judged against the run itself: a save of one run says
nothing about the next one (a task switch, a reset or a load replaces the run)."""

from __future__ import annotations

from rnn_tui.core import Config
from rnn_tui.core.session import RunRecipe
from rnn_tui.tui.app import RnnApp
from tests.app_helpers import trained, wait_until, worker_ready


async def _steps(pilot, n: int) -> None:
    app = pilot.app
    start = app.snapshot.iteration
    for _ in range(n):
        await pilot.press("n")
    await wait_until(pilot, lambda: app.snapshot.iteration == start + n, what=f"{n} steps")


async def test_a_save_of_one_run_does_not_cover_the_next(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = RnnApp(trained("echo", 20), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: app._saved is not None, what="the save")
        assert app._unsaved() == ""
        await pilot.press("2")                                   # saved: switches at once
        await wait_until(pilot, lambda: app.snapshot.task == "subtraction", what="the switch")
        assert app._unsaved() == ""                              # iteration 0: nothing to lose
        await _steps(pilot, 20)                                  # exactly the saved iteration number
        assert app._unsaved() == "this subtraction run is not saved (s saves it)"
        await pilot.press("q")
        await pilot.pause(0.3)
        assert app.is_running                                    # one q does not quit
        assert any("press q again within 5 s to quit: this subtraction run is not saved" in n.message
                   for n in app._notifications)
        await pilot.press("n")                                   # another key: the question is dropped
        await pilot.press("R", "R")                              # reset: a new run
        await wait_until(pilot, lambda: app.snapshot.iteration == 0, what="the reset")
        await _steps(pilot, 5)
        assert app._unsaved() == "this subtraction run is not saved (s saves it)"
        await pilot.press("o")
        app.screen.query_one("#path").value = str(tmp_path / "rnn-tui-echo-it20.npz")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.snapshot.task == "echo", what="the load")
        assert app._unsaved() == ""                              # it is the file it came from
        await _steps(pilot, 3)
        assert app._unsaved() == "the 3 iterations since the last save (rnn-tui-echo-it20.npz) are not saved"


async def test_a_run_built_by_the_training_process_opens_on_a_loading_view(tmp_path):
    corpus = tmp_path / "book.txt"
    corpus.write_text("It was the best of times, it was the worst of times.\n" * 3000)
    app = RnnApp(RunRecipe(config=Config(task="charlm", text=str(corpus))), paused=True)
    assert app.loading and app.snapshot.vocab == ""               # nothing read by the app
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.05)
        await wait_until(pilot, lambda: not app.loading, timeout=30, what="the run to be built")
        await pilot.pause(0.2)
        assert not app.screen.has_class("-loading") and app.query_one("#main").display
        assert app.snapshot.vocab == "".join(sorted(set(corpus.read_text())))


async def test_a_corpus_found_wrong_by_the_training_process_is_shown_and_exits_2(tmp_path):
    bad = tmp_path / "gbk.txt"
    bad.write_bytes(("子曰：学而时习之，不亦说乎？\n" * 200).encode("gbk"))
    app = RnnApp(RunRecipe(config=Config(task="charlm", text=str(bad))), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.failed, timeout=30, what="the failure")
        await pilot.pause(0.3)
        shown = str(app.query_one("#loading-text").content)
        assert "this run cannot start" in shown and "GB18030" in shown
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, timeout=5, what="the app to quit")
    assert app.return_code == 2


async def test_a_run_that_cannot_start_is_not_shown_as_running_and_says_what_still_works(tmp_path):
    """Started running, a corpus that fails in the training process left "[running] it 0"
    in the status line beside "this run cannot start … q quits"."""
    bad = tmp_path / "gbk.txt"
    bad.write_bytes(("子曰：学而时习之，不亦说乎？\n" * 200).encode("gbk"))
    app = RnnApp(RunRecipe(config=Config(task="charlm", text=str(bad))))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.failed, timeout=30, what="the failure")
        await pilot.pause(0.3)
        assert "c changes the settings · q quits" in str(app.query_one("#loading-text").content)
        assert "[running]" not in str(app.query_one("#status").content)


def test_a_checkpoint_knows_nothing_of_being_saved():
    tr = trained("echo", 3)
    assert tr.saved is None and tr.snapshot().saved is None
