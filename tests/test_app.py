"""Pilot tests: the real app, the real keys, the trainer in its child process."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_tui.core import checkpoint
from rnn_tui.core.tasks import TASKS
from tests.app_helpers import bptt_steps, trained, wait_until, worker_ready
from rnn_tui.tui.app import RnnApp
from rnn_tui.tui.screens.help import HelpScreen
from rnn_tui.tui.widgets.grad_flow import GradFlow
from rnn_tui.tui.widgets.heatmap import Heatmap
from rnn_tui.tui.widgets.loss_plot import LossPlot
from rnn_tui.tui.widgets.status_bar import StatusBar




async def test_pause_stops_the_iteration_counter():
    app = RnnApp(trained("subtraction", 10))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.snapshot.iteration > 40 and not app.paused, what="training")
        await pilot.press("space")
        await wait_until(pilot, lambda: not app.update_msg.running, what="pause")
        await pilot.pause(0.3)
        it = app.snapshot.iteration
        await pilot.pause(0.6)
        assert app.snapshot.iteration == it
        assert "[paused]" in str(app.query_one("#status").content)
        await pilot.press("space")
        await wait_until(pilot, lambda: app.snapshot.iteration > it + 10, what="resume")


async def test_n_advances_exactly_one_step():
    app = RnnApp(trained("subtraction", 10), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        start = app.snapshot.iteration
        await pilot.press("n")
        await wait_until(pilot, lambda: app.snapshot.iteration == start + 1, what="one step")
        await pilot.pause(0.4)
        assert app.snapshot.iteration == start + 1
        await pilot.press("n", "n")
        await wait_until(pilot, lambda: app.snapshot.iteration == start + 3, what="two more steps")


async def test_a_timer_tick_during_shutdown_is_harmless():
    # CI once failed on a tick that fired after the app had popped its screens on the way
    # out: the user would see a traceback printed as the app closes.
    app = RnnApp(trained("subtraction", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
    assert not app._screen_stack                # the state a late tick meets
    app._tick()                                 # must neither raise nor redraw


async def test_bptt_walks_timesteps_and_heatmap_cursor_follows():
    app = RnnApp(trained("charlm", 20), paused=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await worker_ready(pilot)
        await pilot.press("b")
        await wait_until(pilot, lambda: app.mode == "bptt" and app.bptt_view is not None, what="BPTT mode")
        T = app.bptt_view.T
        assert app.bptt_view.t is None
        await pilot.press("left")
        await wait_until(pilot, lambda: app.bptt_view.t == T - 1, what="t = T-1")
        await pilot.press("j")
        await wait_until(pilot, lambda: app.bptt_view.t == T - 2, what="t = T-2")
        assert app.query_one(Heatmap).cursor == T - 2
        await pilot.press("right")
        await wait_until(pilot, lambda: app.bptt_view.t == T - 1, what="back up to T-1")
        # the displayed ‖dh_t‖ strip holds exactly the stepper's norms: two known, rest NaN
        norms = app.bptt_view.dh_norm[0]
        assert np.isfinite(norms[T - 1]) and np.isnan(norms[: T - 1]).all()
        assert "(carried to t−1)" in str(app.query_one(GradFlow).content)
        await pilot.press("end")
        await wait_until(pilot, lambda: app.bptt_view.t == 0, what="t = 0")
        await pilot.pause(0.1)
        assert "dhnext = Whhᵀ dhraw_t   (dropped: the window starts here, truncated BPTT)" in str(
            app.query_one(GradFlow).content)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.mode == "", what="leaving BPTT")


async def test_bptt_apply_equals_one_training_step_and_escape_changes_nothing():
    base = trained("subtraction", 30)
    ref = trained("subtraction", 31)              # the same run, one ordinary step further
    app = RnnApp(trained("subtraction", 30), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await bptt_steps(pilot, 3)
        assert app.bptt_view.t == 5
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.mode == "", what="discard")
        assert app.snapshot.iteration == base.iteration
        assert app.message == "BPTT step-through left: nothing was changed"     # said, not silent
        await bptt_steps(pilot, 2)
        assert app.bptt_view.t == 6
        await pilot.press("a")
        await wait_until(pilot, lambda: app.mode == "" and app.snapshot.iteration == 31, what="apply")
        assert app.message == "BPTT left: its update was applied (one training step)"
        # the app's checkpoint of that state equals the ordinary run, bit for bit
        assert app.snapshot.metrics["loss"] == ref.metrics["loss"]


async def test_r_changes_the_sample(tmp_path):
    app = RnnApp(trained("charlm", 101), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        before = app.snapshot.sample
        assert before
        await pilot.press("r")
        await wait_until(pilot, lambda: app.snapshot.sample != before, what="a new sample")


async def test_plus_doubles_and_minus_halves_the_learning_rate():
    app = RnnApp(trained("subtraction", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        lr = app.snapshot.config["lr"]
        await pilot.press("plus")
        await wait_until(pilot, lambda: app.snapshot.config["lr"] == 2 * lr, what="lr doubled")
        await pilot.press("minus", "minus")
        await wait_until(pilot, lambda: app.snapshot.config["lr"] == lr / 2, what="lr halved twice")
        assert "lr 0.45" in str(app.query_one("#status").content)


async def test_s_writes_a_checkpoint_that_loads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = RnnApp(trained("echo", 25), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.press("s")
        await wait_until(pilot, lambda: list(tmp_path.glob("rnn-tui-echo-it25.npz")), what="checkpoint file")
        await wait_until(pilot, lambda: "checkpoint written" in app.message, what="status message")
        await pilot.press("o")                   # just saved: nothing to lose, no warning
        await pilot.pause(0.2)
        assert app.screen.query_one("#path").value.endswith("rnn-tui-echo-it25.npz")   # offered
        assert not app.screen.query_one("#warning").display
        app.screen.query_one("#path").value = ""                      # enter on nothing: said, not closed
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.screen.query_one("#warning").display
        assert "Type a path first" in str(app.screen.query_one("#warning").content)
        await pilot.press("escape")
    tr = checkpoint.load(tmp_path / "rnn-tui-echo-it25.npz")
    assert tr.iteration == 25 and tr.config.task == "echo"


async def test_task_switch_shows_the_right_panels():
    app = RnnApp(trained("charlm", 5), paused=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await worker_ready(pilot)
        assert app.query_one("#panel-text").display
        await pilot.press("2")                                  # a trained run: asks first
        await pilot.pause(0.3)
        assert app.snapshot.task == "charlm"
        assert any("press 2 again" in n.message for n in app._notifications)
        await pilot.press("2")
        await wait_until(pilot, lambda: app.snapshot.task == "subtraction", what="subtraction")
        await pilot.press("n")
        await wait_until(pilot, lambda: app.snapshot.iteration == 1, what="a subtraction step")
        await pilot.pause(0.2)
        assert not app.query_one("#panel-text").display
        assert "a−b" in str(app.query_one("#preds").content)
        await pilot.press("1", "1")
        await wait_until(pilot, lambda: app.snapshot.task == "charlm", what="charlm")
        await pilot.pause(0.2)
        assert app.query_one("#panel-text").display


async def test_question_mark_opens_help_listing_every_binding():
    app = RnnApp(trained("hello", 5), paused=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await worker_ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        assert isinstance(app.screen, HelpScreen)
        keys = " ".join(k for k, _ in app.HELP)
        for key in ["space", "n", "b", "r", "t / T", "+ / -", "l", "s", "o", f"1 … {len(TASKS)}", "R", "ctrl+p", "q"]:
            assert key in keys
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, HelpScreen)


async def test_l_toggles_a_true_log_scale():
    app = RnnApp(trained("charlm", 60), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        plot = app.query_one(LossPlot)
        assert not plot.log_y
        await pilot.press("l")
        assert plot.log_y
        await pilot.pause(0.1)
        assert "loss (log)" in plot.render().plain


async def test_tiny_terminal_says_too_small():
    app = RnnApp(trained("hello", 5), paused=True)
    async with app.run_test(size=(20, 6)) as pilot:
        await worker_ready(pilot)
        assert app.screen.has_class("-too-small")
        assert app.query_one("#too-small").display
        await pilot.resize_terminal(100, 30)
        await pilot.pause(0.1)
        assert not app.screen.has_class("-too-small")


async def test_every_tab_stays_on_screen_on_a_narrow_terminal():
    """At 60 columns the tab bar started at "Hidden state": the Loss tab, the one in
    front, was off screen."""
    from textual.widgets import Tab

    app = RnnApp(trained("charlm", 5), paused=True)
    async with app.run_test(size=(60, 20)) as pilot:
        await worker_ready(pilot)
        await pilot.pause(0.2)
        tabs = [t for t in app.query(Tab) if t.display]
        assert [str(t.label) for t in tabs] == ["Loss", "Hidden", "Preds", "Text", "Gradients", "Weights"]
        assert all(0 <= t.region.x and t.region.right <= 60 for t in tabs), [t.region for t in tabs]
        await pilot.resize_terminal(100, 30)
        await pilot.pause(0.2)
        assert str(app.query_one("#tab-hidden", Tab).label) == "Hidden state"


async def test_e_exports_metrics_csv_and_screen_svg(tmp_path):
    app = RnnApp(trained("subtraction", 120), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.press("e")
        inp = app.screen.query_one("#folder")
        inp.value = str(tmp_path / "out")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "exported" in app.message, what="export message")
        assert "metrics-subtraction-it120.csv" in app.message
        assert "exported" in str(app.query_one("#status").content)
    rows = (tmp_path / "out" / "metrics-subtraction-it120.csv").read_text().splitlines()
    data = [r for r in rows if not r.startswith("#")]
    assert data[0] == "iteration,loss,smoothed_loss,loss_min,loss_max" and len(data) == 121
    assert data[-1].startswith("120,")
    svg = (tmp_path / "out" / "screen-subtraction-it120.svg").read_text()
    assert svg.startswith("<svg") and "subtraction" in svg


async def test_export_to_an_unwritable_folder_says_so(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    app = RnnApp(trained("hello", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        assert app.export_to(str(tmp_path / "ok")) is not None
        assert "exported" in str(app.query_one("#status").content)
        assert app.export_to(str(blocker)) is None              # a file, not a folder
        status = str(app.query_one("#status").content)
        assert "export failed" in status and "exported" not in status     # not the last success
        assert app.message == f"error: export failed: {blocker} is a file, not a folder"
        assert app.export_to(str(blocker / "sub")) is None
        assert "export failed" in app.message and str(blocker) in app.message


async def test_q_asks_again_before_losing_unsaved_training(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = RnnApp(trained("echo", 20), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.press("q")
        await pilot.pause(0.2)
        assert app.is_running                                   # 20 unsaved iterations: not yet
        assert any("press q again within 5 s to quit" in n.message for n in app._notifications)
        await pilot.press("s", "n")                             # saved, then one more step
        await wait_until(pilot, lambda: app.snapshot.iteration == 21, what="the save and a step")
        await pilot.press("q")
        await pilot.pause(0.2)
        assert app.is_running
        assert any("the 1 iteration since the last save (rnn-tui-echo-it20.npz) is not saved"
                   in n.message for n in app._notifications)
        await pilot.press("s")                                  # saved: nothing left to lose
        await wait_until(pilot, lambda: app._saved and app._saved[1] == 21, what="the second save")
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, timeout=5, what="the app to quit")
    assert app.return_code == 0


@pytest.mark.parametrize("autosave", [True, False])
async def test_q_quits_at_once_when_the_run_will_be_autosaved(autosave, tmp_path, monkeypatch):
    """A run that trained long enough is autosaved on quit: the prompt used to say it
    was "not kept" all the same.  Without autosave q still asks."""
    from rnn_tui.core.autosave import MIN_TRAINING, autosave_dir

    monkeypatch.chdir(tmp_path)
    tr = trained("echo", 20)
    tr.train_seconds = MIN_TRAINING + 1.0
    before = set(autosave_dir().glob("*.npz")) if autosave_dir().exists() else set()
    app = RnnApp(tr, paused=True, autosave=autosave)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.press("q")
        await pilot.pause(0.3)
        if not autosave:
            assert app.is_running
            assert any("this echo run is not saved (s saves it)" in n.message for n in app._notifications)
            await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, timeout=10, what="the app to quit")
    new = set(autosave_dir().glob("*.npz")) - before if autosave_dir().exists() else set()
    assert len(new) == (1 if autosave else 0)                   # and the run is there to --resume


async def test_the_app_really_trains_in_its_worker():
    app = RnnApp(trained("subtraction", 1))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.snapshot.iteration > 3000, timeout=40, what="3000 iterations")
        await pilot.pause(0.3)
        assert app.snapshot.metrics["ema"] < 0.5          # it starts near 1.0


async def test_panels_hidden_at_start_are_drawn_when_the_terminal_grows():
    app = RnnApp(trained("subtraction", 40), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        await pilot.resize_terminal(140, 40)
        await pilot.pause(0.3)
        assert app.screen.has_class("-wide")
        assert "a−b" in str(app.query_one("#preds").content)
        assert app.query_one(Heatmap).h is not None


async def test_o_opens_a_checkpoint_and_says_so_when_it_cannot(tmp_path):
    saved = checkpoint.save(trained("echo", 25), tmp_path / "echo.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a checkpoint")
    app = RnnApp(trained("charlm", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.press("o")                  # opens at once (a typed path must not become keys)
        await pilot.pause(0.2)
        warning = str(app.screen.query_one("#warning").content)
        assert warning == "It replaces the current run: this charlm run is not saved (s saves it)"
        app.screen.query_one("#path").value = str(tmp_path / "junk.npz")
        await pilot.press("enter")
        # the dialog stays open and says why, for the path to be mended
        await wait_until(pilot, lambda: "not an .npz file" in str(app.screen.query_one("#warning").content),
                         what="the dialog's warning")
        assert app.snapshot.task == "charlm"                    # nothing the user had is lost
        app.screen.query_one("#path").value = str(saved)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.snapshot.task == "echo" and app.snapshot.iteration == 25,
                         what="the checkpoint's run")
        await pilot.pause(0.2)
        assert any(str(saved) in n.message for n in app._notifications)   # the path, in full
        status = app.query_one(StatusBar).content
        assert "it 25" in status and "loss " in status                     # its figures at once


async def test_tab_in_a_dialog_does_not_switch_panels():
    app = RnnApp(trained("charlm", 5), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        assert app.panel == "loss"
        await pilot.press("o", "tab", "escape")
        await pilot.pause(0.2)
        assert app.panel == "loss"
        await pilot.press("tab")                                  # on the main screen it does
        assert app.panel == "hidden"


async def test_palette_offers_only_what_applies_now():
    app = RnnApp(trained("subtraction", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Loss plot: smoothed curve on/off", "Next panel", "Help: every key",
                "BPTT step-through"} <= titles
        assert "Stacked networks: next layer" not in titles      # one layer
        assert "Resample text" not in titles                      # not a language model
        assert "Roll back to the last backup" not in titles       # nothing diverged
        assert "Screenshot" not in titles and any(t.startswith("Export") for t in titles)


async def test_learning_rate_keys_stop_at_the_limit():
    app = RnnApp(trained("echo", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        for _ in range(16):                                       # 0.1 × 2¹⁶ would be 6554
            await pilot.press("plus")
        await wait_until(pilot, lambda: app.snapshot.config["lr"] == 1000.0, what="lr at its maximum")
        await wait_until(pilot, lambda: "maximum" in app.message, what="a message saying so")


async def test_divergence_line_starts_with_what_to_do_at_80_columns():
    app = RnnApp(trained("charlm", 0, lr=1000.0, clip_mode="none"), paused=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.diverged, timeout=30, what="a divergence")
        await pilot.pause(0.3)
        line = str(app.query_one("#status").content).splitlines()[1]
        assert "z rolls back" in line[:78]
        await pilot.press("b")                                    # nothing to step through yet:
        await pilot.pause(0.2)                                    # it says so
        assert app.mode == ""
        assert any("press z to roll back first" in n.message for n in app._notifications)
        await pilot.press("z")
        await wait_until(pilot, lambda: not app.diverged and "rolled back" in app.message,
                         what="the rollback")
        assert app.query_one(LossPlot).history[0].size == 0        # the undone iterations are gone
        await pilot.press("minus")                                 # the hint is followed: it goes
        await pilot.pause(0.1)
        assert "press - to lower the lr" not in str(app.query_one("#status").content)


def test_loss_plot_keeps_where_training_started_and_uses_whole_iterations():
    from rnn_tui.tui.widgets.loss_plot import downsample, int_ticks

    it = np.arange(1, 1001)
    raw = np.linspace(5.0, 1.0, 1000)
    col, x, r, e, lo, hi = downsample(it, raw, raw.copy(), raw.copy(), raw.copy(), 60)
    assert col[0] == 0 and hi[0] == 5.0                           # the first loss is on the plot
    assert x[-1] == 1000 and len(x) <= 60
    widths = np.diff(np.r_[0, x])                                 # each bucket ends at its x
    assert r @ widths == pytest.approx(raw.sum())                 # every iteration counted once
    ticks, labels = int_ticks(3, 1088, 5)
    assert ticks == [200, 400, 600, 800, 1000] and labels[-1] == "1000"
    assert all(isinstance(t, int) for t in int_ticks(1, 7)[0])



async def test_reset_asks_first_and_z_says_when_there_is_nothing_to_roll_back():
    app = RnnApp(trained("echo", 30), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.press("z")
        await pilot.pause(0.2)
        assert any("nothing to roll back" in n.message for n in app._notifications)
        await pilot.press("R")
        await pilot.pause(0.3)
        assert app.snapshot.iteration == 30                       # not yet
        assert any("press R again" in n.message for n in app._notifications)
        await pilot.press("R")
        await wait_until(pilot, lambda: app.snapshot.iteration == 0, what="the reset")
        assert not any("press R again" in n.message for n in app._notifications)   # answered


async def test_bptt_formulas_fit_the_all_panels_layout():
    app = RnnApp(trained("charlm", 20), paused=True)
    async with app.run_test(size=(120, 34)) as pilot:
        await worker_ready(pilot)
        await bptt_steps(pilot, 3)
        await pilot.pause(0.3)
        grads = app.query_one("#grads")
        lines = str(grads.content).splitlines()
        assert any(line.startswith("dhnext") for line in lines)
        assert len(lines) <= grads.content_size.height           # nothing below the border


async def test_quick_tab_presses_settle_on_one_panel(monkeypatch):
    """Two tab presses before the first tab message arrives once made the handler
    ping-pong between two panels forever (a busy UI core)."""
    calls = []
    handler = RnnApp.on_tabs_tab_activated
    monkeypatch.setattr(RnnApp, "on_tabs_tab_activated",
                        lambda self, event: (calls.append(event), handler(self, event))[1])
    app = RnnApp(trained("subtraction", 5), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        app.action_next_panel()
        app.action_next_panel()                                   # before any message is handled
        await pilot.pause(0.5)
        settled = len(calls)
        await pilot.pause(0.5)
        assert len(calls) == settled and settled <= 4
        assert app.panel == "predictions" and app.query_one("#tabs").active == "tab-predictions"


async def test_a_quick_tab_past_the_loss_plot_does_not_leave_it_focused():
    """Tab onto the Loss panel gives the plot focus (its cursor keys in the footer);
    a second tab before that focus landed once left the hidden plot focused, and the
    footer showed its keys over another panel."""
    app = RnnApp(trained("subtraction", 5), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        while app.panel != "weights":                               # the one before the Loss panel
            await pilot.press("tab")
        app.action_next_panel()                                     # onto Loss: the plot focused
        app.action_next_panel()                                     # off it, before any message
        await pilot.pause(0.3)
        assert app.panel == "hidden" and app.focused is None
        footer = [key for key, b in app.active_bindings.items() if b.binding.show]
        assert "left" not in footer and "space" in footer
        await pilot.press("tab", "tab", "tab", "tab")              # round to Loss again
        await pilot.pause(0.3)
        assert app.panel == "loss" and isinstance(app.focused, LossPlot)


async def test_keys_off_during_a_step_through_say_why():
    app = RnnApp(trained("echo", 10), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.press("b")
        await wait_until(pilot, lambda: app.bptt_view is not None, what="BPTT view")
        for key in ("space", "n", "f", "2", "R", "o", "b"):
            app.clear_notifications()
            await pilot.press(key)
            await pilot.pause(0.1)
            assert any("not during the BPTT step-through: a applies" in n.message
                       for n in app._notifications), key
        assert app.mode == "bptt" and app.snapshot.iteration == 10     # none of them acted
        await pilot.press("escape", "f")
        await wait_until(pilot, lambda: app.mode == "forward", what="forward step-through")
        app.clear_notifications()
        await pilot.press("n")
        await pilot.pause(0.1)
        assert any("not during the forward step-through: esc leaves it" in n.message
                   for n in app._notifications)


async def test_page_keys_say_where_the_units_are_when_that_panel_is_hidden():
    app = RnnApp(trained("subtraction", 5), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:             # one panel at a time
        await worker_ready(pilot)
        assert app.panel != "hidden"
        await pilot.press("right_square_bracket")
        await pilot.pause(0.1)
        assert any("tab to it first" in n.message for n in app._notifications)


def test_panels_of_one_example_are_redrawn_together():
    everything = {"loss", "hidden", "predictions", "text", "gradients"}
    assert RnnApp.same_example({"loss", "predictions"}, everything) == {"loss"}   # waits for the heatmap
    assert RnnApp.same_example({"hidden"}, everything) == {"hidden", "predictions", "gradients"}
    assert RnnApp.same_example({"predictions"}, {"predictions"}) == {"predictions"}   # heatmap not shown


async def test_a_palette_command_that_asks_first_works_when_chosen_twice():
    app = RnnApp(trained("charlm", 5), paused=True)
    app.CONFIRM_SECONDS = 60.0        # what is tested is the palette's path, not a busy machine's speed
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        for attempt in range(2):
            await pilot.press("ctrl+p")
            await pilot.pause(0.3)
            await pilot.press(*"task: subtr")
            await wait_until(pilot, lambda: "Task: subtraction" in str(
                app.screen.query_one("CommandList").get_option_at_index(0).prompt), what="the entry")
            await pilot.press("enter")
            await pilot.pause(0.3)
            if attempt == 0:
                assert any("press 2 again" in n.message for n in app._notifications)
                assert app.snapshot.task == "charlm"
        await wait_until(pilot, lambda: app.snapshot.task == "subtraction", what="the task switch")


async def test_the_footer_drops_and_regains_the_palette_key_on_resize():
    from textual.widgets._footer import FooterKey

    app = RnnApp(trained("subtraction", 5), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        keys = lambda: [k.key for k in app.query(FooterKey)]      # noqa: E731
        assert "ctrl+p" in keys()
        await pilot.resize_terminal(60, 20)
        await wait_until(pilot, lambda: "ctrl+p" not in keys(), what="no palette key at 60 columns")
        assert "q" in keys()
        await pilot.resize_terminal(160, 48)
        await wait_until(pilot, lambda: "ctrl+p" in keys(), what="the palette key back at 160 columns")


async def test_gradient_panel_follows_a_task_switch_before_any_step():
    app = RnnApp(trained("stack", 0), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await worker_ready(pilot)
        await pilot.pause(0.3)
        grads = lambda: str(app.query_one(GradFlow).content)      # noqa: E731
        assert "batch of 8" in grads()
        await pilot.press("2")                                     # nothing trained: no second press
        await wait_until(pilot, lambda: app.snapshot.task == "subtraction", what="subtraction")
        await wait_until(pilot, lambda: "batch of 8" not in grads() and "t=7" in grads(),
                         what="subtraction's gradient panel")
