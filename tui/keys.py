"""Every key of the app, in one table.

Textual's ``BINDINGS`` (what the footer and key panel draw), the ``?`` help screen,
the command palette and the rules of which keys apply in a step-through or a replay
are all generated from :data:`KEYS`.  A key is added, renamed or re-described here
and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.binding import Binding

from rnn_tui.core.tasks import TASKS

TRAIN, REPLAY = "train", "replay"

# When a key applies, beyond its modes (the app evaluates these; see RnnApp.check_action):
IDLE = "idle"            # not during a step-through; shown greyed out there
STEPPING = "stepping"    # only during a step-through
LEAVABLE = "leavable"    # during a step-through or a probe (esc leaves it)
NO_STEP_THROUGH = "no-step-through"   # not during a step-through (a probe is fine)
IN_BPTT = "bptt"         # only during the BPTT step-through
NOT_BPTT = "not-bptt"    # not during the BPTT step-through
DIVERGED = "diverged"
NOT_DIVERGED = "not-diverged"
DEAD = "dead"            # the training process is gone
OFF_WHILE_STEPPING = (IDLE, NOT_BPTT, NO_STEP_THROUGH)


@dataclass(frozen=True)
class Key:
    """One binding and everything said about it.

    Attributes:
        key: Textual key names, comma-separated (``"left,j"``).
        action: the action string (``"cursor('left')"``).
        description: the footer's word for it.
        show: shown in the footer.
        key_display: how the footer writes the key.
        priority: checked before the focused widget's own bindings.
        modes: where it applies: training (``TRAIN``), a replay (``REPLAY``) or both.
        when: a state it needs beyond that (one of the names above; "" for none).
        live: it needs the training process (off while it is dead: ctrl+r).
        finite: it needs finite weights (off after a divergence until z rolls back).
        help: per mode, the ``?`` screen's line ``(keys as written, what they do)``;
            a line can speak for several bindings (``t / T``), which then have none.
        palette: its title in the command palette ("" keeps it out).
    """

    key: str
    action: str
    description: str = ""
    show: bool = False
    key_display: str | None = None
    priority: bool = False
    modes: tuple[str, ...] = (TRAIN,)
    when: str = ""
    live: bool = False
    finite: bool = False
    help: dict = field(default_factory=dict)
    palette: str = ""

    @property
    def name(self) -> str:
        """The action's name without its arguments."""
        return self.action.partition("(")[0]

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.description, show=self.show,
                       key_display=self.key_display, priority=self.priority)


def _tasks() -> list[Key]:
    """Keys 1, 2, … switch to the tasks in the registry's order."""
    names = list(TASKS)
    first = Key("1", f"task('{names[0]}')", names[0], help={TRAIN: (
        f"1 … {len(names)}", f"task: {', '.join(names)} (once a run has trained, press the key "
        "twice: the run is not saved)")}, palette=f"Task: {names[0]}", when=IDLE)
    return [first] + [Key(str(i), f"task('{n}')", n, palette=f"Task: {n}", when=IDLE)
                      for i, n in enumerate(names[1:], 2)]


BOTH = (TRAIN, REPLAY)

KEYS: list[Key] = [
    Key("space", "toggle_pause", "Run/Pause", live=True, show=True, when=IDLE,
        help={TRAIN: ("space", "pause / resume training")}, palette="Pause / resume"),
    Key("space", "play", "Play/Pause", show=True, modes=(REPLAY,),
        help={REPLAY: ("space", "play / pause the recording")}, palette="Play / pause the recording"),
    Key("n", "step", "Step", live=True, finite=True, show=True, when=IDLE,
        help={TRAIN: ("n", "one training step (while paused)")}, palette="One training step"),
    Key("b", "bptt", "BPTT", live=True, finite=True, show=True, when=NOT_BPTT,
        help={TRAIN: ("b", "BPTT step-through of the next example (pauses): ← one timestep further back, → undo, a applies exactly the update training would make, esc discards")}, palette="BPTT step-through"),
    Key("f", "forward", "Forward", live=True, finite=True, show=True, when=NO_STEP_THROUGH,
        help={TRAIN: ("f", "forward step-through of the next example: → computes the next timestep (Wxh x_t, Whh h_{t−1}, pre-activation, h_t, output, loss), the heatmap fills in column by column; b goes backward on the same example")},
        palette="Forward step-through"),
    Key("left,j", "cursor('left')", "t−1", show=True, key_display="←/j", when=STEPPING,
        help={TRAIN: ("← j / → k", "in BPTT: one timestep back in time / undo one")}),
    Key("right,k", "cursor('right')", "t+1", show=True, key_display="→/k", when=STEPPING),
    Key("left,j", "seek(-1)", "Back", show=True, key_display="←", modes=(REPLAY,),
        help={REPLAY: ("← j / → k", "one frame back / forward")}),
    Key("right,k", "seek(1)", "Forward", show=True, key_display="→", modes=(REPLAY,)),
    Key("home", "cursor('home')", "First", modes=BOTH,
        help={TRAIN: ("home / end", "in BPTT: no timestep processed / all processed"),
              REPLAY: ("home / end", "first / last frame")}),
    Key("end", "cursor('end')", "Last", modes=BOTH),
    Key("a", "bptt_apply", "Apply", show=True, when=IN_BPTT,
        help={TRAIN: ("a / esc", "in BPTT: apply the update training would make / discard")}),
    Key("escape", "leave", "Leave", show=True, when=LEAVABLE),
    Key("p", "probe", "Probe", live=True, finite=True, when=NO_STEP_THROUGH,
        help={TRAIN: ("p", "probe: type an input of your own (a text, two numbers, a bit string) and see the network "
                           "on it, nothing trained: heatmap, predictions, loss per step, ‖dh_t‖, for a language "
                           "model the likeliest next symbols and a sample going on from it; b and f step through "
                           "it, a applies one training step on it, esc leaves (training goes on untouched)")},
        palette="Probe: the network on an input of your own…"),
    Key("g", "gradcheck", "Grad check", live=True, finite=True,
        help={TRAIN: ("g", "gradient check of the live model: BPTT against centred differences, per parameter")},
        palette="Gradient check"),
    Key("u", "neurons", "Neurons", live=True,
        help={TRAIN: ("u", "neuron view (char LM): one hidden unit's activation over the text and a sample that goes on from it, and the units that follow spaces, newlines, quotes, vowels…")}, palette="Neuron view"),
    Key("r", "resample", "Resample", live=True, help={TRAIN: ("r", "resample text (language models)")},
        palette="Resample text"),
    Key("t", "temperature(-0.1)", "Colder", help={TRAIN: ("t / T", "lower / raise the sampling temperature")},
        palette="Colder sampling (temperature −0.1)"),
    Key("T", "temperature(0.1)", "Hotter", palette="Hotter sampling (temperature +0.1)"),
    Key("plus", "lr(2.0)", "lr×2", help={TRAIN: ("+ / -", "learning rate ×2 / ÷2 (kept between 1e-6 and 1000)")}, palette="Learning rate ×2"),
    Key("minus", "lr(0.5)", "lr÷2", palette="Learning rate ÷2"),
    Key("plus", "speed(2.0)", "Faster", show=True, key_display="+", modes=(REPLAY,),
        help={REPLAY: ("+ / -", "play faster / slower")}, palette="Play faster"),
    Key("minus", "speed(0.5)", "Slower", show=True, key_display="-", modes=(REPLAY,), palette="Play slower"),
    Key("l", "log_y", "Log y", modes=BOTH, help={TRAIN: ("l", "loss plot (the raw loss as a band from its lowest to its highest value, the moving average on top): log-y on/off"),
                                                 REPLAY: ("l", "loss plot: log-y on/off")},
        palette="Loss plot: log-y on/off"),
    Key("m", "smooth", "Smoothing", modes=BOTH, help={TRAIN: ("m", "loss plot: smoothed curve on/off"),
                                                      REPLAY: ("m", "loss plot: smoothed curve on/off")},
        palette="Loss plot: smoothed curve on/off"),
    Key("w", "window", "Window", modes=BOTH, help={TRAIN: ("w", "loss plot: all iterations / last 1000"),
                                                   REPLAY: ("w", "loss plot: all iterations / last 1000")},
        palette="Loss plot: all iterations / last 1000"),
    Key("s", "save", "Save", live=True, show=True,
        help={TRAIN: ("s / S", "save a checkpoint in the current folder / where you say (s asks too "
                               "when the current folder cannot be written)")},
        palette="Save checkpoint"),
    Key("S", "save_as", "Save as", live=True, palette="Save checkpoint as…"),
    Key("o", "open", "Open", when=IDLE, help={TRAIN: ("o", "open a checkpoint")}, palette="Open checkpoint"),
    Key("e", "export", "Export", modes=BOTH,
        help={TRAIN: ("e", "export metrics (CSV) and the screen (SVG) to a folder, from any view"),
              REPLAY: ("e", "export metrics (CSV) and the screen (SVG) to a folder")},
        palette="Export metrics and screen"),
    *_tasks(),
    Key("R", "reset", "Reset", live=True, when=IDLE,
        help={TRAIN: ("R", "restart these settings from the same initial weights and data order (the same "
                           "seed): replay a run, compare it with itself after one change")},
        palette="Restart the run (same seed)"),
    Key("N", "new_seed", "New seed", live=True, when=IDLE, help={TRAIN: ("N", "restart these settings with the next seed")},
        palette="New seed: restart with the next seed"),
    Key("c", "settings", "Settings", live=True, show=True, when=IDLE,
        help={TRAIN: ("c", "settings: every setting of the run in a form (the rate, clipping and sampling change "
                           "the run as it goes; the others start a new run)")},
        palette="Settings…"),
    Key("x", "runs", "Runs", help={TRAIN: ("x", "the runs of this session: compare them, enter continues one "
                                                "where it stopped, e exports the table")},
        palette="Runs of this session"),
    Key("v", "compare", "Compare", modes=BOTH,
        help={TRAIN: ("v", "loss plot: earlier runs of this task as faded lines, on/off")},
        palette="Loss plot: earlier runs on/off"),
    Key("z", "rollback", "Roll back", show=True, when=DIVERGED,
        help={TRAIN: ("z", "after a divergence: roll back to the last backup (taken every 20 iterations); "
                          "then - lowers the learning rate")},
        palette="Roll back to the last backup"),
    Key("z", "no_rollback", "", when=NOT_DIVERGED),          # when nothing diverged: says so
    Key("ctrl+r", "restart", "Restart", show=True, when=DEAD,
        help={TRAIN: ("ctrl+r", "after the training process died: start it again from the newest state "
                                "kept (its autosave or the app's backup)")},
        palette="Restart training (its process died)"),
    Key("left_square_bracket", "page(-1)", "Units ←", modes=BOTH,
        help={TRAIN: ("[ / ]", "heatmap: previous / next page of hidden units"),
              REPLAY: ("[ / ]", "heatmap: previous / next page of hidden units")},
        palette="Heatmap: previous page of units"),
    Key("right_square_bracket", "page(1)", "Units →", modes=BOTH, palette="Heatmap: next page of units"),
    Key("W", "weights_param", "Parameter",
        help={TRAIN: ("W", "weights panel: histograms of the next parameter")},
        palette="Weights panel: next parameter's histograms"),
    Key("y", "layer", "Layer", modes=BOTH,
        help={TRAIN: ("y", "stacked networks: next layer (heatmap and gradients)"),
              REPLAY: ("y", "stacked networks: next layer")}, palette="Stacked networks: next layer"),
    Key("tab", "next_panel", "Panel", priority=True, modes=BOTH,
        help={TRAIN: ("tab", "next panel (small terminals show one panel at a time); with all panels shown, onto "
                             "the loss plot and off it: there ← → (shift: ×10) read the curve at a point, as the "
                             "mouse does"),
              REPLAY: ("tab", "small terminals: next panel")},
        palette="Next panel"),
    Key("question_mark", "help", "Help", show=True, modes=BOTH,
        help={TRAIN: ("?", "this help"), REPLAY: ("?", "this help")}, palette="Help: every key"),
    Key("q", "quit", "Quit", show=True, modes=BOTH,
        help={TRAIN: ("q", "quit; press it twice if unsaved training of this run would be lost (s saves it; "
                           "a run of a minute or more is autosaved, so one q)"),
              REPLAY: ("q", "quit")}),
]

BINDINGS = [k.binding() for k in KEYS]

REPLAY_ACTIONS = frozenset({k.name for k in KEYS if REPLAY in k.modes} | {"command_palette"})
"""Actions a replay allows (the palette too); every other key says it is off."""
REPLAY_ONLY = frozenset({k.name for k in KEYS if k.modes == (REPLAY,)})
STEPPING_OFF = frozenset(k.name for k in KEYS if k.when in OFF_WHILE_STEPPING)
"""Actions whose binding is off during a step-through (the app says why on the key)."""
WHEN = {k.name: k.when for k in KEYS if k.when}
NEED_TRAINER = frozenset(k.name for k in KEYS if k.live)
"""Off while the training process is dead (ctrl+r starts it again)."""
NOT_AFTER_DIVERGENCE = frozenset(k.name for k in KEYS if k.finite)
"""Off after a divergence until z rolls back (the weights are not finite)."""

def applies(action: str, app) -> bool | None:
    """Whether ``action`` applies to the training app's state now (None: it is shown,
    greyed out; False: hidden).  ``app`` has ``mode``, ``diverged``, ``dead`` and
    ``wide``: when the screen shows one panel at a time the greyed keys are
    hidden, so that the footer of a step-through or a probe fits in 80 columns."""
    if action in REPLAY_ONLY:
        return False
    when = WHEN.get(action, "")
    stepping = app.mode in ("bptt", "forward")
    greyed = None if app.wide else False
    if (app.dead and action in NEED_TRAINER) or (app.diverged and action in NOT_AFTER_DIVERGENCE):
        return greyed
    return {DEAD: bool(app.dead), IDLE: app.mode == "" or greyed, STEPPING: stepping, LEAVABLE: app.mode != "",
            NO_STEP_THROUGH: not stepping,
            IN_BPTT: app.mode == "bptt", NOT_BPTT: app.mode != "bptt",
            DIVERGED: app.diverged, NOT_DIVERGED: not app.diverged}.get(when, True)


_PALETTE_LINE = ("ctrl+p", "command palette (the same actions)")
_REPLAY_NOTE = ("", "A replay shows what was recorded: training keys (n, b, f, s, r, …) are off.")


def help_rows(mode: str) -> list[tuple[str, str]]:
    """The ``?`` screen's lines for ``mode`` (``TRAIN`` or ``REPLAY``), in table order."""
    rows = [k.help[mode] for k in KEYS if mode in k.help]
    at = next(i for i, (keys, _) in enumerate(rows) if keys == "?")
    rows.insert(at, _PALETTE_LINE if mode == TRAIN else ("ctrl+p", "command palette"))
    return rows + ([_REPLAY_NOTE] if mode == REPLAY else [])


def palette_entries() -> list[tuple[str, str, str]]:
    """``(title, key as written, action)`` of every key the palette offers."""
    out = []
    for k in KEYS:
        if k.palette:
            shown = {"plus": "+", "minus": "-", "left_square_bracket": "[", "right_square_bracket": "]",
                     "question_mark": "?"}.get(k.key, k.key)
            out.append((k.palette, shown, k.action))
    return out


def markdown_table(mode: str = TRAIN) -> str:
    """The ``?`` screen's lines as the README's table (``docs/update_readme.py`` writes it there)."""
    rows = ["| key | does |", "| --- | --- |"]
    for keys, what in help_rows(mode):
        if keys:
            what = what.replace("|", r"\|")
            rows.append(f"| `{keys}` | {what} |")
    return "\n".join(rows)
