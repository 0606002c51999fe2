"""Experiments inside the app: change the network in Settings, compare runs, go back
to one, replay a run with R, read the loss curve at a point."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from textual.widgets import Select

from rnn_tui.core import Config, Trainer
from rnn_tui.core import messages as msg
from rnn_tui.core.session import Session
from rnn_tui.tui.app import RnnApp
from rnn_tui.tui.screens.runs import RunsScreen
from rnn_tui.tui.screens.settings import SettingsScreen, check
from rnn_tui.tui.widgets.loss_plot import LossPlot
from tests.app_helpers import trained, wait_until, worker_ready


async def _settings(pilot, **values):
    """Open Settings, type ``values`` into their fields, and wait for the form to check them."""
    app = pilot.app
    await pilot.press("c")
    await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen), what="the settings screen")
    for key, value in values.items():
        app.screen.query_one(f"#field-{key}").value = value
    await pilot.pause(0.2)
    return app.screen


async def test_changing_h_starts_a_new_run_and_keeps_the_old_one(tmp_path):
    app = RnnApp(trained("echo", 60), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        old = app.snapshot.run_id
        screen = await _settings(pilot, hidden="5")
        assert "starts a new run" in str(screen.query_one("#what").content)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.snapshot.run_id != old and app.snapshot.config["hidden"] == 5,
                         what="the new run")
        assert app.snapshot.h.shape[2] == 5 and app.snapshot.iteration == 0
        await wait_until(pilot, lambda: any(r.run_id == old for r in app.runs), what="the old run kept")
        for _ in range(3):
            await pilot.press("n")
        await wait_until(pilot, lambda: app.snapshot.iteration == 3, what="three steps")
        await pilot.pause(0.3)
        plot = app.query_one(LossPlot)
        assert [lab for lab, _, _ in plot.others] == ["H 10"]             # the old run, by what differs
        assert "earlier runs (v hides)" in plot.render().plain and "H 10" in plot.render().plain
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen), what="the runs table")
        rows = app.screen.rows
        assert [(r.current, r.iterations, r.differs) for r in rows] == [(True, 3, "current run"), (False, 60, "H 10")]


async def test_a_preset_fills_the_form_and_says_what_it_shows():
    app = RnnApp(trained("charlm", 10), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        screen = await _settings(pilot)
        screen.query_one("#preset").value = "vanishing"
        await pilot.pause(0.3)
        assert screen.query_one("#field-task").value == "stack"
        assert screen.query_one("#field-init_scale").value == "0.15"
        about = str(screen.query_one("#preset-about").content)
        assert about.startswith("Vanishing gradients: 40 timesteps") and "σmax(Whh) starts at 0.64" in about


async def test_settings_show_the_preset_the_run_was_started_with_and_keep_its_values():
    from rnn_tui.tui.cli import load_preset

    values = load_preset("vanishing")
    tr = Trainer(Config(**{**{k: v for k, v in values.items() if k in Config.__dataclass_fields__}, "hidden": 12}))
    app = RnnApp(tr, paused=True, preset="vanishing")                # --preset vanishing --hidden 12
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.pause(0.2)
        assert "stack  preset vanishing  it 0" in str(app.query_one("#status").content)   # named beside the task
        screen = await _settings(pilot)
        assert screen.query_one("#preset").value == "vanishing"
        assert str(screen.query_one("#preset-about").content).startswith("Vanishing gradients")
        assert screen.query_one("#field-hidden").value == "12"           # the flag next to it stays
        # no empty block between the preset and the form: the form starts under the description
        about, form = screen.query_one("#preset-about"), screen.query_one("#form")
        assert form.region.y == about.region.y + about.region.height
        await pilot.press("escape")
        await pilot.press("1")                                           # another task: no preset any more
        await pilot.press("1")
        await wait_until(pilot, lambda: app.snapshot.task == "charlm", what="the task switch")
        screen = await _settings(pilot)
        assert screen.query_one("#preset").value is Select.NULL


async def test_the_text_fields_default_stays_the_tasks_own_corpus(tmp_path):
    """Typing a file name into the text field once made its hint read "default <what
    was typed>"."""
    book = tmp_path / "book.txt"
    book.write_text("a small book of words " * 20, encoding="utf-8")
    app = RnnApp(trained("charlm", 5), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        screen = await _settings(pilot, text=str(book))
        assert str(screen.query_one("#default-text").content) == "default tinyshakespeare"   # (fits its column)
        assert str(screen.query_one("#default-bias").content) == "default on"      # as its switch reads, not True


async def test_a_wrong_value_shows_the_command_lines_message_and_blocks_apply():
    app = RnnApp(trained("echo", 5), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        screen = await _settings(pilot, hidden="0")
        assert str(screen.query_one("#error-hidden").content) == "--hidden must be a positive integer, got 0"
        assert screen.query_one("#apply").disabled
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SettingsScreen)                  # refused: still open
        screen.query_one("#field-hidden").value = "12"
        screen.query_one("#field-delay").value = "10"                  # the delay must be < seq-len
        await pilot.pause(0.2)
        assert "--delay must be between 0 and seq-len - 1 (9), got 10" in str(screen.query_one("#error-delay").content)
    assert check({"task": "echo", "clip_mode": "value", "clip": "x"})[1] == {"clip": "--clip must be a number, got 'x'"}


async def test_a_text_file_that_cannot_be_read_is_refused_in_the_form_and_the_edits_stay(tmp_path):
    """A missing text file once closed the form (the edits lost) and only then failed."""
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    app = RnnApp(trained("charlm", 5), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        screen = await _settings(pilot, text=str(tmp_path / "nope.txt"), hidden="12")
        assert str(screen.query_one("#error-text").content) == f"text file not found: {tmp_path / 'nope.txt'}"
        assert screen.query_one("#apply").disabled
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert app.screen is screen and screen.query_one("#field-hidden").value == "12"
        screen.query_one("#field-text").value = str(empty)         # found, but empty: seen on Apply
        await pilot.pause(0.2)
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert app.screen is screen and screen.query_one("#field-hidden").value == "12"
        assert str(screen.query_one("#error-text").content) == f"text file is empty: {empty}"
        assert app.snapshot.config["hidden"] != 12                   # nothing was applied


@pytest.mark.parametrize("content, says", [
    ("ab", "is too short: 2 characters cannot fill 1 stream(s) of seq-len 25"),
    ("a" * 500, "has only one distinct character; a language model needs at least 2"),
])
async def test_a_text_too_short_or_of_one_symbol_is_refused_in_the_form_too(tmp_path, content, says):
    """These closed the form (the edits lost) and failed in the status line only."""
    book = tmp_path / "book.txt"
    book.write_text(content)
    app = RnnApp(trained("charlm", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        screen = await _settings(pilot, text=str(book), hidden="12")
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert app.screen is screen and screen.query_one("#field-hidden").value == "12"
        error = screen.query_one("#error-text")
        assert says in str(error.content)
        assert error.size.height * error.size.width >= len(str(error.content))    # all of it shown
        assert str(screen.query_one("#what").content) == "Apply waits until every value is right: text file."
        assert app.snapshot.config["hidden"] != 12


async def test_a_message_about_several_settings_stands_by_the_first_it_names():
    """The memory estimate's message stood by the task selector, cut after two lines."""
    app = RnnApp(trained("charlm", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        screen = await _settings(pilot, hidden="4096", seq_len="5000", batch="512")
        error = screen.query_one("#error-hidden")
        assert str(error.content).startswith("this network would need about")
        assert str(error.content).endswith("make some of them smaller")
        assert error.size.height * error.size.width >= len(str(error.content))
        assert str(screen.query_one("#error-task").content) == ""


async def test_a_mid_run_rate_change_marks_the_curve_and_applies_from_the_next_step():
    app = RnnApp(trained("subtraction", 20), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        run = app.snapshot.run_id
        screen = await _settings(pilot, lr="0.3")
        assert "from its next step" in str(screen.query_one("#what").content)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.snapshot.config["lr"] == 0.3, what="the new rate")
        assert app.snapshot.run_id == run and app.snapshot.iteration == 20   # the same run, nothing trained
        assert app.snapshot.marks == ((20, "lr 0.3"),)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.snapshot.iteration == 21, what="a step")
        assert app.snapshot.metrics["lr"] == 0.3
    ref = trained("subtraction", 20)                                       # the same step, by hand
    ref.set_lr(0.3)
    assert ref.step()["loss"] == app.snapshot.metrics["loss"]


def _losses(session: Session) -> np.ndarray:
    return np.array(session.trainer.history.arrays()[1])


def test_r_twice_gives_bit_identical_runs():
    session = Session(trained("echo", 0), lambda u: None)
    runs = []
    for _ in range(3):
        session.handle(msg.Step(40))
        runs.append(_losses(session))
        session.handle(msg.Reset())
    assert np.array_equal(runs[0], runs[1]) and np.array_equal(runs[1], runs[2])


def test_going_back_to_a_run_continues_it_exactly_as_if_it_never_left():
    out = []
    session = Session(Trainer(Config(task="charlm", seed=4)), out.append)
    session.handle(msg.Step(30))
    session.handle(msg.SwitchTask("echo"))
    record = next(u.run for u in out if u.run is not None)
    session.handle(msg.Step(10))
    session.handle(msg.ResumeRun(record))
    assert session.trainer.run_id == record.run_id and session.trainer.iteration == 30
    session.handle(msg.Step(25))
    straight = Trainer(Config(task="charlm", seed=4))
    for _ in range(55):
        straight.step()
    for k, v in straight.params.items():
        assert np.array_equal(session.trainer.params[k], v), k
    assert np.array_equal(_losses(session), np.array(straight.history.arrays()[1]))
    assert session.trainer.sample_text == straight.sample_text


async def test_going_back_from_the_runs_table():
    app = RnnApp(trained("echo", 30), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        first = app.snapshot.run_id
        await pilot.press("R", "R")                                   # a new run (same settings)
        await wait_until(pilot, lambda: app.snapshot.run_id != first, what="the new run")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen), what="the runs table")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.snapshot.run_id == first and app.snapshot.iteration == 30,
                         what="the first run again")


async def test_the_cursor_reads_the_curve_at_a_point():
    app = RnnApp(trained("subtraction", 300), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        await pilot.press("tab")                                        # onto the loss plot
        plot = app.query_one(LossPlot)
        await wait_until(pilot, lambda: plot.has_focus, what="the plot to have the keys")
        await pilot.press("end")
        await pilot.pause(0.2)
        reading = plot.render().plain.splitlines()[0]
        it, raw, ema = (np.asarray(a) for a in app.snapshot.history[:3])
        assert reading.startswith(f"it {int(it[-1]):,} · raw ") and f"smoothed {ema[-1]:.4g}" in reading
        await pilot.press("left", "left")
        await pilot.pause(0.1)
        assert plot.render().plain.splitlines()[0] != reading                # it moved back
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert plot.cursor is None and not plot.has_focus


def test_the_runs_list_keeps_the_state_of_the_newest_runs_only():
    from rnn_tui.tui.runs import RunsList

    runs = RunsList()
    session = Session(trained("echo", 0), lambda u: None)
    for _ in range(RunsList.KEPT + 3):
        session.handle(msg.Step(2))
        runs.add(session.record())
        session.handle(msg.Reset())
    kept = [r.state is not None for r in runs.records]
    assert kept == [False] * 3 + [True] * RunsList.KEPT                 # flat memory: old states dropped
    assert [runs.number(r.run_id) for r in runs.records] == list(range(1, RunsList.KEPT + 4))


def test_a_runs_label_names_only_settings_that_are_there():
    from rnn_tui.tui.runs import differences

    addition = dataclasses.asdict(Config(task="addition").resolved())
    charlm = dataclasses.asdict(Config(task="charlm").resolved())
    said = differences(addition, charlm)
    assert said[0] == "addition" and "" not in said                 # addition has no text file to name


def test_the_runs_score_is_smoothed_like_the_loss_beside_it_and_untrained_runs_are_left_out():
    """The score was the last iteration's bpc: 2.568 beside a smoothed loss that is
    2.78 bpc, so sorting by it sorted by one window's noise."""
    from rnn_tui.tui.runs import RunsList, row, score
    from rnn_tui.tui.screens.runs import cells

    T = 25
    last = {"loss": 42.8565, "ema": 48.2539, "bpc": 42.8565 / (T * np.log(2))}
    assert score(last) == f"bpc {48.2539 / (T * np.log(2)):.3f}" == "bpc 2.785"
    assert score({"loss": 2.0, "ema": 1.0, "mse": 0.5}) == "mse 0.2500"
    assert score({"loss": 0.0, "ema": 0.0, "bpc": 0.0}) == "bpc 0.000"
    # the last iteration a probe's (its text of 6 characters, 5 scored): its bpc's constant is not a window's
    probe = {"loss": 12.0, "ema": 48.2539, "bpc": 12.0 / (5 * np.log(2))}
    assert score(probe, seq_len=T) == "bpc 2.785"
    runs = RunsList()
    session = Session(trained("echo", 0), lambda u: None)
    runs.add(session.record())                                       # R on a run that never trained
    assert runs.records == []
    cfg = dataclasses.asdict(session.trainer.config)
    current = row(1, "r1", "echo", cfg, cfg, 0, 0.0, dict(session.trainer.metrics or {}), current=True)
    assert "nan" not in " ".join(cells(current)) and cells(current)[3:5] == ("—", "—")   # not trained yet


def test_a_new_run_says_what_is_new_about_it():
    """N (the next seed) said only "a new run with the new settings"."""
    said = []
    session = Session(trained("echo", 3), lambda u: said.append(u.event.text) if u.event else None)
    cfg = dataclasses.asdict(session.trainer.config)
    session.handle(msg.NewRun({**cfg, "seed": cfg["seed"] + 1}))
    assert f"a new run with seed {cfg['seed'] + 1} (the last one is in the runs list, x)" in said


def test_the_sample_is_drawn_for_a_snapshot_only_while_its_panel_is_on_screen():
    """Drawing the sample due took ~5 ms of every snapshot, 10 a second, also at 80×24
    where the Loss panel is the one shown: the app trained at 0.8 of headless speed."""
    import time

    from rnn_tui.core.trainer import LaterSample

    snaps = []
    session = Session(trained("charlm", 0), lambda u: snaps.append(u.snapshot) if u.snapshot else None)
    session.handle(msg.Step(150))                                   # samples due at 1 and 101
    session._publish_snapshot(time.perf_counter())
    drawn = snaps[-1].sample
    assert drawn and snaps[-1].sample_iteration == 101
    session.handle(msg.Views(text=False))
    session.handle(msg.Step(100))                                   # one more due, at 201
    session._publish_snapshot(time.perf_counter())
    assert isinstance(session.trainer._sample, LaterSample)         # not drawn for a panel not shown
    assert (snaps[-1].sample, snaps[-1].sample_iteration) == (drawn, 101)   # the last one drawn, as it was
    session.handle(msg.Views(text=True))
    assert session.dirty                                            # a snapshot goes out at once
    session._publish_snapshot(time.perf_counter())
    assert snaps[-1].sample_iteration == 201 and snaps[-1].sample == session.trainer.sample_text != drawn
