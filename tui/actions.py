"""What the app's keys do: one ``action_*`` method per action of :mod:`tui.keys`.

A mixin of :class:`~rnn_tui.tui.app.RnnApp`: the actions send commands
(:mod:`rnn_tui.core.messages`) to the training session, or change a panel.
"""

from __future__ import annotations

import dataclasses
import time
from functools import partial
from pathlib import Path

from textual.actions import parse as parse_action
from textual.app import SystemCommand
from textual.css.query import NoMatches

from rnn_tui.core import messages as msg
from rnn_tui.core.messages import Event
from rnn_tui.core.tasks import TASKS, task_class
from rnn_tui.tui.export import write_metrics_csv
from rnn_tui.tui.screens.gradcheck import GradcheckScreen
from rnn_tui.tui.screens.help import HelpScreen
from rnn_tui.tui.screens.neurons import NeuronScreen
from rnn_tui.tui.screens.path_prompt import PathPrompt
from rnn_tui.tui.screens.probe import ProbeScreen
from rnn_tui.tui.confirm import unsaved
from rnn_tui.tui.keys import REPLAY, TRAIN, help_rows, palette_entries
from rnn_tui.tui.widgets.grad_flow import GradFlow
from rnn_tui.tui.widgets.heatmap import Heatmap
from rnn_tui.tui.widgets.loss_plot import LossPlot
from rnn_tui.tui.widgets.weights import WeightsPanel

TASK_KEYS = {str(i): name for i, name in enumerate(TASKS, 1)}


def _save_path_problem(path: str) -> str:
    """Why a checkpoint cannot be written at ``path`` (a folder takes it inside); "" if it can."""
    p = Path(path).expanduser()
    folder = p if p.is_dir() else p.parent
    if not folder.is_dir():
        return f"The folder {folder} does not exist."
    if not folder_takes_files(folder):
        return f"The folder {folder} cannot be written: save where?"
    return ""


def _open_path_problem(path: str) -> str:
    """Why ``path`` cannot be opened as a checkpoint, read off its header; "" if it can
    (what only loading it finds out, the training process says)."""
    from rnn_tui.core import checkpoint

    p = Path(path).expanduser()
    try:
        cfg, _ = checkpoint.header(p)
    except checkpoint.CheckpointError as e:
        return str(e)
    if cfg.text and not Path(cfg.text).is_file():   # (the app has no --text to give it its new place)
        return (f"its corpus {cfg.text} is not there any more: quit and open it with "
                f"rnn-tui --load {p} --text NEW-PLACE")
    return ""


def folder_takes_files(folder: Path) -> bool:
    """Whether a new file can be made in ``folder`` (tried: permissions alone do not
    tell, for root or on a read-only mount)."""
    import os
    import tempfile

    try:
        fd, probe = tempfile.mkstemp(prefix=".rnn-tui-probe-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(probe)
    return True


class Actions:
    """The ``action_*`` methods (see :mod:`tui.keys` for which key runs which)."""

    def _why_not(self, action: str) -> str:
        """Why ``action`` can do nothing now ("" when it can)."""
        from rnn_tui.tui.keys import NEED_TRAINER, NOT_AFTER_DIVERGENCE

        task = task_class(self.task_name)
        if self.dead and action in NEED_TRAINER:
            return f"the training process is not running ({self.dead}): ctrl+r starts it again"
        if self.diverged and action in NOT_AFTER_DIVERGENCE:
            return "training diverged: press z to roll back first (then - to lower the learning rate)"
        if action in ("resample", "temperature") and not task.is_language_model:
            return "r, t, T work on language models only (tasks charlm and hello)"
        if action == "neurons" and not task.has_corpus:
            return "the neuron view needs a character model (task charlm)"
        if action == "probe" and not task.probe_hint:
            return f"task {task.name} has no input to type (its examples are random vectors): p works on the others"
        if action == "layer" and self.snapshot.h.shape[0] == 1:
            return "y switches layers of a stacked network; this one has one (task stack has two)"
        return ""

    def _refused(self, action: str) -> bool:
        """Say (in a toast) why ``action`` can do nothing now; True if so."""
        why = self._why_not(action)
        if why:
            self._toast(why)
        return bool(why)

    # ---- training -----------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self._send(msg.Resume() if self.paused else msg.Pause())
        self.paused = not self.paused
        self.message = ""                       # a hint about the paused state is done with

    def action_play(self) -> None:
        """Replay: play or pause the recording."""
        self.action_toggle_pause()

    def action_quit(self) -> None:
        if self.replay is None and not (self.dead or self.failed) and not self._confirmed("q", "quit", listed=False):
            return
        self.exit(return_code=2 if self.failed else (1 if self.dead else 0))   # a crash is not a clean exit

    def action_restart(self) -> None:
        """After the training process died: a new one, from the newest state kept."""
        what, at, recipe = self._restart
        kept = self.backend.slot.state
        self.backend = self._start_backend(recipe)
        if self.backend.slot.state is None:
            # until the new process sends a copy of its own, a second crash restarts from this one
            self.backend.slot.state = kept
        self.dead, self._seq = "", -1
        self._views_sent = None                 # the new session is told what is on screen
        self._send_views()
        self.loading = True
        self.main.show_loading(None)
        self._on_event(Event("info", f"training restarted from {what.split(', losing')[0]}"))

    def action_step(self) -> None:
        if not self._refused("step"):
            self._send(msg.Step(1))
            self.paused = True

    def action_lr(self, factor: float) -> None:
        self._send(msg.ScaleLr(factor))
        self.message = ""                       # e.g. "press - to lower the lr": done

    def action_resample(self) -> None:
        if not self._refused("resample"):
            self._send(msg.Resample())

    def action_temperature(self, delta: float) -> None:
        if not self._refused("temperature"):
            self._send(msg.Temperature(delta))

    def action_task(self, name: str) -> None:
        """Switch task (a trained run is not thrown away on one key press)."""
        key = next(k for k, v in TASK_KEYS.items() if v == name)
        if self._confirmed(key, f"switch to {name}"):
            self._send(msg.SwitchTask(name))
            self.preset = None                  # another task: the preset no longer describes the run

    def action_reset(self) -> None:
        if self._confirmed("R", "reset the weights"):
            self._send(msg.Reset())

    def action_new_seed(self) -> None:
        cfg = dict(self.snapshot.config)
        if self._confirmed("N", f"restart with seed {cfg['seed'] + 1}"):
            self._send(msg.NewRun({**cfg, "seed": cfg["seed"] + 1, "init_from": None}))

    def action_settings(self) -> None:
        from rnn_tui.tui.cli import PRESETS
        from rnn_tui.tui.screens.settings import SettingsScreen

        def done(result) -> None:
            if not result:
                return
            if result["live"]:
                self._send(msg.ChangeSettings(result["changed"]))
            else:
                self._send(msg.NewRun({**dataclasses.asdict(result["config"]), "init_from": None}))
            self.preset = result["preset"]      # what the form said the run is

        self.push_screen(SettingsScreen(dict(self.snapshot.config), PRESETS, self.preset), done)

    def action_runs(self) -> None:
        from rnn_tui.tui.screens.runs import RunsScreen

        def done(run_id: str | None) -> None:
            rec = self.runs_list.find(run_id) if run_id else None
            if rec is not None and rec.state is None:
                self._toast(f"run {self.runs_list.number(rec.run_id)} can no longer go on: only the newest "
                            f"{self.runs_list.KEPT} runs keep their state (its figures stay in the list)")
            elif rec is not None:
                self._send(msg.ResumeRun(rec))
                self.preset = None

        folder = self._writable_folder()
        self.push_screen(RunsScreen(self.runs_list.rows(self.snapshot), folder / "rnn-tui-runs.csv",
                                    self._unwritable_warning(folder)), done)

    def action_compare(self) -> None:
        self.show_runs = not self.show_runs
        self._draw(force=True)
        self._toast(f"earlier runs on the loss plot: {'on' if self.show_runs else 'off'}")

    def action_no_rollback(self) -> None:
        self._toast("nothing to roll back: training has not diverged")

    def action_rollback(self) -> None:
        self._send(msg.Rollback())

    # ---- step-throughs --------------------------------------------------------------

    def _to_step_panel(self) -> None:
        """A step-through is read in the heatmap and the gradients panel (and the arrows
        are its own: the loss plot lets go of them)."""
        self.main.set_focus(None)
        if self.panel not in ("hidden", "gradients"):
            self.panel = "gradients"
            self._apply_layout()

    def action_bptt(self) -> None:
        if self._refused("bptt"):
            return
        self._to_step_panel()
        self._send(msg.Bptt("begin"))
        self.mode = "bptt"

    def action_forward(self) -> None:
        if self._refused("forward"):
            return
        self._to_step_panel()
        self._send(msg.Forward("begin"))
        self.mode = "forward"          # the session confirms; keys work at once

    def action_cursor(self, key: str) -> None:
        """Arrows follow time: in BPTT ← goes one step further back, in the forward
        step-through → reveals the next timestep, in a replay they seek."""
        if self.replay is not None:
            self._send(msg.SeekTo(0 if key == "home" else len(self.replay) - 1))
        elif self.mode == "bptt":
            self._send(msg.Bptt({"left": "back", "right": "undo", "home": "none", "end": "all"}[key]))
        elif self.mode == "forward":
            self._send(msg.Forward({"left": "prev", "right": "next", "home": "none", "end": "all"}[key]))

    def action_bptt_apply(self) -> None:
        self._send(msg.Bptt("apply"))
        if self.probe_view is not None:         # the session says what the step did to its loss
            self.mode = "probe"
            return
        self.mode = ""
        self._on_event(Event("info", "BPTT left: its update was applied (one training step)"))

    def action_leave(self) -> None:
        kind = self.mode                        # "bptt", "forward" or "probe"
        if kind == "probe":
            self.mode = ""
            self._send(msg.LeaveProbe())
            self._on_event(Event("info", "probe left: training is where it was"))
            return
        self.mode = "probe" if self.probe_view is not None else ""
        self._send(msg.Bptt("discard") if kind == "bptt" else msg.Forward("discard"))
        back = "; back to your input (esc again leaves it)" if self.probe_view is not None else ""
        self._on_event(Event("info", f"{'BPTT' if kind == 'bptt' else kind} step-through left: "
                                     f"nothing was changed{back}"))

    def action_probe(self) -> None:
        if self._refused("probe"):
            return
        task = task_class(self.task_name)
        last = self.probe_view.text if self.probe_view is not None else ""
        self.push_screen(ProbeScreen(self.task_name, task.probe_hint, lambda text: self._send(msg.Probe(text)),
                                     value=last, example=task.probe_example))

    # ---- replay -----------------------------------------------------------------------

    def action_seek(self, delta: int) -> None:
        """Replay: one frame back or forward."""
        self._send(msg.Seek(delta))

    def action_speed(self, factor: float) -> None:
        """Replay: play faster or slower."""
        self._send(msg.Speed(factor))

    # ---- screens ------------------------------------------------------------------------

    def action_gradcheck(self) -> None:
        if self._refused("gradcheck"):
            return
        self.backend.slot.gradcheck = None
        # closing the screen stops a check still running (the session would be busy for
        # minutes on a large model, with every other key waiting behind it)
        self.push_screen(GradcheckScreen(), lambda _: self._send(msg.GradcheckCancel()))
        self._send(msg.Gradcheck())

    def action_neurons(self) -> None:
        if self._refused("neurons"):
            return
        self.backend.slot.neurons = None
        self.push_screen(NeuronScreen(on_refresh=lambda: self._send(msg.Neurons())))
        self._send(msg.Neurons())

    def action_help(self) -> None:
        self.clear_notifications()              # a toast would cover the help's lines
        self.push_screen(HelpScreen(help_rows(TRAIN if self.replay is None else REPLAY)))

    # ---- panels -------------------------------------------------------------------------

    def action_log_y(self) -> None:
        plot = self.main.query_one(LossPlot)
        plot.log_y = not plot.log_y

    def action_smooth(self) -> None:
        plot = self.main.query_one(LossPlot)
        plot.smooth = not plot.smooth

    def action_window(self) -> None:
        plot = self.main.query_one(LossPlot)
        plot.windowed = not plot.windowed

    def action_page(self, delta: int) -> None:
        hm = self.main.query_one(Heatmap)
        if not self.main.query_one("#panel-hidden").display:
            self._toast("[ ] page through the hidden units of the Hidden state panel: tab to it first")
        elif hm.pages() <= 1:
            self._toast("[ ] page through hidden units: all of them fit on this page")
        else:
            hm.next_page(delta)

    def action_layer(self) -> None:
        if self._refused("layer"):
            return
        hm = self.main.query_one(Heatmap)
        hm.net_layer = (hm.net_layer + 1) % self.snapshot.h.shape[0]
        self.main.query_one(GradFlow).net_layer = hm.net_layer
        self._send_views()                      # the weights panel follows the layer
        self._draw(force=True)

    def action_weights_param(self) -> None:
        """The weights panel's histograms: the next parameter."""
        panel = self.main.query_one(WeightsPanel)
        if not self.main.query_one("#panel-weights").display:
            self._toast("W picks the parameter of the Weights panel's histograms: tab to it first")
            return
        name = panel.next_param()
        self._toast(f"histograms of {name}" if name else "no sample of the weights yet: train a step")

    def action_next_panel(self) -> None:
        """Small terminals: the next panel.  All panels at once: onto the loss plot (its
        cursor: ← → read the curve) and off it."""
        # Screen.set_focus, not plot.focus(): that one lands later, so that a quick
        # second tab would find the plot not yet focused and leave it focused, hidden
        plot = self.main.query_one(LossPlot)
        if self.wide:
            self.main.set_focus(None if plot.has_focus else plot)
            return
        visible = self.main.visible_panels(self.task_name)
        self.panel = visible[(visible.index(self.panel) + 1) % len(visible)]
        self._apply_layout()
        self.main.set_focus(plot if self.panel == "loss" else None)
        self._draw(force=True)

    # ---- what the session computes for the screen -------------------------------------

    def _weights_shown(self) -> bool:
        try:
            return "weights" in self.main.shown()
        except (NoMatches, IndexError):
            return False

    def _send_views(self) -> None:
        """Tell the session which optional figures are on screen (the weights panel's
        cost the training process time: they are computed only while it shows)."""
        if self.backend is None or self.replay is not None:
            return
        from rnn_tui.core.messages import Views

        try:
            shown = self.main.shown()
        except (NoMatches, IndexError):
            shown = {"text"}                    # not laid out yet: the sample as before
        views = Views(weights="weights" in shown, layer=self.main.query_one(Heatmap).net_layer,
                      text="text" in shown)
        if views != self._views_sent:
            self._views_sent = views
            self.backend.send(views)

    # ---- files --------------------------------------------------------------------------

    def action_save(self) -> None:
        """In the current folder, named after the task and iteration; where the user
        says when the current folder cannot take a new file."""
        folder = self.output_folder or Path.cwd()
        if folder_takes_files(folder):
            self._send(msg.Save(None, folder=str(folder)))
        else:
            self.action_save_as(f"The folder {folder} cannot be written: save where?")

    def action_save_as(self, why: str = "") -> None:
        snap = self.snapshot
        suggested = str(self._writable_folder() / f"rnn-tui-{snap.task}-it{snap.iteration}.npz")

        def done(path: str | None) -> None:
            if not path:
                return
            p = Path(path).expanduser()
            if path == suggested or p.is_dir():
                # named when written, after the iteration the run is at then (it trained on
                # while the dialog was open); a folder gets the file inside it
                self._send(msg.Save(None, folder=str(p if p.is_dir() else p.parent)))
            else:
                self._send(msg.Save(str(p)))

        self.push_screen(PathPrompt("Save checkpoint as (.npz)", suggested, placeholder="path/to/checkpoint.npz",
                                    warning=why, check=_save_path_problem), done)

    def action_open(self) -> None:
        # The dialog opens at once (a "press o again" would turn a path typed straight
        # away into key commands); it says what the loaded run replaces.
        def done(path: str | None) -> None:
            if path:
                self._send(msg.Load(path))
                self.preset = None

        lost = self._unsaved()
        self.push_screen(PathPrompt("Open checkpoint (.npz)", self._saved[0] if self._saved else "",
                                    placeholder="path/to/checkpoint.npz",
                                    warning=f"It replaces the current run: {lost}" if lost else "",
                                    check=_open_path_problem), done)

    def action_export(self) -> None:
        def done(folder: str | None) -> None:
            if folder:
                self.call_after_refresh(self.export_to, folder)

        folder = self._writable_folder()
        self.push_screen(PathPrompt("Export CSV + SVG screenshot to folder", str(folder / "rnn-tui-export"),
                                    input_id="folder", warning=self._unwritable_warning(folder)), done)

    def _writable_folder(self) -> Path:
        """Where a new file goes by default: the output folder (or the current one), or
        the home folder when that one cannot take files (as ``s`` does)."""
        folder = self.output_folder or Path.cwd()
        return folder if folder_takes_files(folder) else Path.home()

    def _unwritable_warning(self, proposed: Path) -> str:
        folder = self.output_folder or Path.cwd()
        return "" if proposed == folder else f"The folder {folder} cannot be written: write where?"

    def export_to(self, folder: str) -> tuple[Path, Path] | None:
        """Write ``metrics-….csv`` and ``screen-….svg`` into ``folder``; say where."""
        snap = self.snapshot
        stem = f"{snap.task}-it{snap.iteration}"
        try:
            out = Path(folder).expanduser()
            out.mkdir(parents=True, exist_ok=True)
            csv_path = write_metrics_csv(out / f"metrics-{stem}.csv", snap)
            svg_path = Path(self.save_screenshot(filename=f"screen-{stem}.svg", path=str(out)))
        except FileExistsError as e:           # mkdir: the name is taken by a file
            self._on_event(Event("error", f"export failed: {e.filename} is a file, not a folder"))
            self._draw_status()
            return None
        except OSError as e:
            self._on_event(Event("error", f"export failed: {e.strerror or e}: {e.filename or folder}"))
            self._draw_status()
            return None
        self._on_event(Event("info", f"exported {csv_path} and {svg_path.name}"))
        self._draw_status()
        return csv_path, svg_path

    def get_system_commands(self, screen):
        # Textual's own "Screenshot" writes to ~/Downloads, which may not exist (it fails
        # there); "Export" (e) saves the screen too, in a folder the user picks
        yield from (c for c in super().get_system_commands(screen) if c.title != "Screenshot")
        for title, key, action in palette_entries():
            _, name, params = parse_action(action)
            if self.check_action(name, params) and not self._why_not(name):
                yield SystemCommand(title, f"key {key}", partial(self.run_action, action))

    # ---- helpers of the actions ---------------------------------------------------------

    def _toast(self, text: str, severity: str = "information", timeout: float = 4) -> None:
        """One notification at a time: a new one replaces the last, never piles up."""
        self.clear_notifications()
        self.notify(text, severity=severity, timeout=timeout)

    @property
    def _saved(self) -> tuple[str, int] | None:
        """The user's last checkpoint of the run shown, ``(path, iteration)``."""
        return self.snapshot.saved

    def _unsaved(self) -> str:
        """What replacing the run now would lose, in words; "" if nothing."""
        return unsaved(self.snapshot, autosave=bool(self.autosave) and self.replay is None)

    def _confirmed(self, key: str, what: str, listed: bool = True) -> bool:
        """True on the second press of ``key`` in time, or when nothing would be lost;
        the first press explains what the second would throw away.  ``listed``: the
        run goes to the runs list (a new run replaces it), where ``x`` finds it."""
        pending = self.confirm.key == key
        lost = self._unsaved()
        if lost and listed:
            lost += "; its figures stay in the runs list (x) until you quit"
        if self.confirm.ask(key, lost, self.CONFIRM_SECONDS):
            if pending:
                self.clear_notifications()      # the "press again" prompt is answered
                self.message = ""
            return True
        # in the status line too: a toast alone is easy to miss in the corner
        self.message, self._message_until = (f"press {key} again within {self.CONFIRM_SECONDS:g} s to {what}",
                                              time.monotonic() + self.CONFIRM_SECONDS)
        self._toast(f"press {key} again within {self.CONFIRM_SECONDS:g} s to {what}: {lost}", timeout=self.CONFIRM_SECONDS)
        self._draw_status()
        return False
