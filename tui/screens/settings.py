"""The ``c`` screen: every setting of the run, in a keyboard-first form.

Each row shows a setting's current value (editable) and the task's default; only
the settings that apply to the chosen task are shown.  Every value goes through
the command line's own checks as you type (the same one-line messages, beside the
field), and Apply is refused while one is wrong.  A preset fills the form.

What Apply does depends on what changed: the learning rate, clipping, the sampling
temperature and how often to sample apply from the next step (a mark on the loss
curve says so); anything else starts a new run, and the current one stays in the
runs list (``x``).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Select, Static, Switch

from rnn_tui.core.config import Config, ConfigError
from rnn_tui.core.model import ACTIVATIONS
from rnn_tui.core.optim import CLIP_MODES, OPTIMIZERS
from rnn_tui.core.tasks import TASKS

LIVE = ("lr", "clip_mode", "clip", "temperature", "sample_every")
"""Settings that change a run from its next step; any other starts a new run."""


@dataclass(frozen=True)
class Field:
    """One row of the form: a :class:`~core.config.Config` field, its label, its kind
    (``"int"``, ``"float"``, ``"text"``, ``"path"``, ``"bool"`` or a tuple of choices),
    and which tasks it applies to (an option name a task lists, ``"lm"``, or "" for all)."""

    key: str
    label: str
    kind: object
    applies: str = ""

    def shown_for(self, task: str) -> bool:
        cls = TASKS[task]
        if self.applies == "lm":
            return cls.is_language_model
        return not self.applies or self.applies in cls.options


FIELDS = [
    Field("task", "task", tuple(TASKS)),
    Field("text", "text file", "path", "text"),
    Field("hidden", "hidden units", "int"),
    Field("layers", "layers", "int"),
    Field("activation", "activation", ACTIVATIONS),
    Field("seq_len", "sequence length", "int", "seq_len"),
    Field("bits", "bits", "int", "bits"),
    Field("delay", "delay", "int", "delay"),
    Field("batch", "batch", "int"),
    Field("optimizer", "optimizer", OPTIMIZERS),
    Field("lr", "learning rate", "float"),
    Field("clip_mode", "clipping", CLIP_MODES),
    Field("clip", "clip threshold", "float"),
    Field("init", "init", ("normal", "uniform")),
    Field("init_scale", "init scale", "float"),
    Field("bias", "biases", "bool"),
    Field("h0", "initial state h0", "float"),
    Field("dtype", "dtype", ("float64", "float32")),
    Field("seed", "seed", "int"),
    Field("temperature", "temperature", "float", "lm"),
    Field("sample_every", "sample every", "int", "lm"),
]
BY_KEY = {f.key: f for f in FIELDS}


def task_defaults(task: str, text: str | None = None) -> dict:
    """The settings a fresh run of ``task`` gets when nothing is given."""
    return dataclasses.asdict(Config(task=task, text=text).resolved())


def check(values: dict[str, str | bool], read: bool = False) -> tuple[Config | None, dict[str, str]]:
    """The form's values (strings, booleans for switches) through the command line's
    own checks: ``(config, {})`` or ``(None, {field: message})``.  The text file is
    looked for at every change; ``read`` (on Apply) also reads its head."""
    from rnn_tui.tui.cli import CONFIG_FLAGS, UsageError, build_parser, config_from_args

    actions = {a.dest: a for a in build_parser()._actions}
    if values.get("clip_mode") == "none":
        values = {**values, "clip": "0"}             # no clipping: its threshold means nothing
    args, errors = {}, {}
    for key, raw in values.items():
        action = actions[key]
        if isinstance(raw, bool) or action.type is None:
            args[key] = raw if (isinstance(raw, bool) or raw) else None
            continue
        try:
            args[key] = action.type(raw.strip()) if raw.strip() else None
        except argparse.ArgumentTypeError as e:
            errors[key] = str(e)
    if errors:
        return None, errors
    ns = argparse.Namespace(**{k: args.get(k) for k in CONFIG_FLAGS}, preset=None, headless=False,
                            fps=None, low_bandwidth=False, paused=False, backend=None, theme=None)
    try:
        cfg = config_from_args(ns)
    except (UsageError, ConfigError) as e:
        flag = re.search(r"--([a-z0-9-]+)", str(e))
        key = flag.group(1).replace("-", "_") if flag else _named_field(str(e), values)
        return None, {key if key in values else "task": str(e)}
    error = text_error(cfg, read=read)
    return (None, {"text": error}) if error else (cfg, {})


def _named_field(message: str, values: dict) -> str:
    """The field a message without a --flag is about: the first one it names
    ("… memory (hidden 4096 × layers 1 × …" is about hidden); else the task."""
    at = {}
    for k in values:
        m = re.search(r"\b" + r"[ _-]".join(map(re.escape, k.split("_"))) + r"\b", message)
        if k != "task" and m:
            at[k] = m.start()
    return min(at, key=at.get) if at else "task"


def text_error(cfg: Config, read: bool = False) -> str | None:
    """Why ``cfg``'s corpus cannot be trained on (None when it can): a missing file, a
    folder, a device; with ``read``, also an empty, binary or non-UTF-8 one (its head is
    read, as the command line does before the app opens)."""
    from rnn_tui.core.corpus import check_head, check_path
    from rnn_tui.core.tasks import TaskError

    if not cfg.text or "text" not in TASKS[cfg.task].options:
        return None
    try:
        (check_head if read else check_path)(cfg.text)
        if read and Path(cfg.text).stat().st_size <= WHOLE_TEXT_CHECKED:
            # what only the whole text tells (too short for the streams, one symbol),
            # as the run itself would find it, not after the form has closed
            from rnn_tui.core.corpus import read_text
            from rnn_tui.core.tasks import CharLM

            CharLM.from_text(read_text(cfg.text), cfg.seq_len, cfg.batch, source=f"text file {cfg.text}")
    except TaskError as e:
        return str(e)
    return None


WHOLE_TEXT_CHECKED = 1 << 20
"""A text file up to this size is read whole on Apply (larger ones: their head)."""


def changes(old: dict, new: dict) -> dict:
    """The settings of the form whose value in ``new`` differs from ``old``."""
    return {f.key: new.get(f.key) for f in FIELDS if old.get(f.key) != new.get(f.key)}


def live_only(old: dict, new: dict) -> bool:
    """Whether ``new`` differs from ``old`` only in settings a run can change as it goes."""
    return all(k in LIVE for k in changes(old, new))


class PathSuggester(Suggester):
    """Completes a path from the files and folders that exist."""

    def __init__(self):
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        path = Path(os.path.expanduser(value))
        folder, stem = (path, "") if value.endswith("/") else (path.parent, path.name)
        try:
            names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir()
                           if p.name.startswith(stem) and not p.name.startswith("."))
        except OSError:
            return None
        if not names:
            return None
        return value[:len(value) - len(stem)] + names[0]


def _show(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "on" if v else "off"                 # as the switch beside it reads
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


class SettingsScreen(ModalScreen[dict | None]):
    """Returns ``{"config": Config, "changed": {key: value}, "live": bool}`` on Apply,
    None on cancel or when nothing changed."""

    DEFAULT_CSS = """
    SettingsScreen { align: center middle; }
    SettingsScreen > Vertical { width: 100; max-width: 100%; height: 100%; max-height: 46;
                                border: round $primary; background: $surface; padding: 0 1; }
    SettingsScreen #form { height: 1fr; }
    SettingsScreen Grid { grid-size: 4; grid-columns: 18 30 16 1fr; grid-rows: auto; height: auto;
                          grid-gutter: 0 1; }
    SettingsScreen Grid > Label { height: 3; content-align: left middle; }
    SettingsScreen .default { color: $text-muted; }
    SettingsScreen .error { color: $text-error; }
    SettingsScreen Grid > Label.error { height: auto; min-height: 3; }     /* a long message in full */
    SettingsScreen Grid > .hidden { display: none; }
    SettingsScreen #what { color: $text-muted; height: auto; }
    SettingsScreen #preset-row { height: auto; }
    SettingsScreen #preset-about { color: $text-muted; height: auto; max-height: 8; display: none; }
    SettingsScreen.-short #preset-about { max-height: 3; overflow-y: auto; }
    SettingsScreen #preset-about.-shown { display: block; }
    SettingsScreen #buttons { height: 3; align: right middle; }
    """
    BINDINGS = [("escape", "cancel", "Cancel"), ("ctrl+s", "apply", "Apply")]

    def __init__(self, current: dict, presets: tuple[str, ...] = (), preset: str | None = None):
        """``preset``: the one the run was started with (shown with its description; the
        form keeps the run's own values, flags given next to it included)."""
        super().__init__()
        self.current = dict(current)            # the run's settings now (resolved)
        self.presets = presets
        self.preset = preset if preset in presets else None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]Settings[/b] — tab moves · → accepts a path · ctrl+s applies · esc cancels")
            with Horizontal(id="preset-row"):
                yield Label("preset ")
                yield Select([(p, p) for p in self.presets], prompt="(none)", id="preset")
            yield Static("", id="preset-about")
            with VerticalScroll(id="form"), Grid():
                for f in FIELDS:
                    yield Label(f.label, id=f"label-{f.key}")
                    yield self._widget(f)
                    yield Label("", id=f"default-{f.key}", classes="default")
                    yield Label("", id=f"error-{f.key}", classes="error")
            yield Static("", id="what")
            with Horizontal(id="buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")

    def _widget(self, f: Field):
        v = self.current.get(f.key)
        if isinstance(f.kind, tuple):
            return Select([(c, c) for c in f.kind], value=v if v in f.kind else f.kind[0], allow_blank=False,
                          id=f"field-{f.key}")
        if f.kind == "bool":
            return Switch(value=bool(v), id=f"field-{f.key}")
        return Input(_show(v), id=f"field-{f.key}", suggester=PathSuggester() if f.kind == "path" else None,
                     placeholder="the task's default" if f.key == "text" else "")

    def on_resize(self, event) -> None:
        # a short terminal keeps room for the form: the preset's description in three
        # lines (it scrolls), not eight
        self.set_class(event.size.height < 36, "-short")

    def on_mount(self) -> None:
        if self.preset:
            with self.prevent(Select.Changed):
                self.query_one("#preset", Select).value = self.preset
            self._describe(self.preset)
        self._refresh()

    def _describe(self, name: str) -> None:
        from rnn_tui.tui.cli import preset_description

        about = self.query_one("#preset-about", Static)
        about.update(preset_description(name))
        about.set_class(bool(about.content), "-shown")

    # ---- values --------------------------------------------------------------------

    def values(self) -> dict:
        """The form's raw values for the settings the chosen task has."""
        task = self.query_one("#field-task", Select).value
        out = {}
        for f in FIELDS:
            if not f.shown_for(task):
                continue
            w = self.query_one(f"#field-{f.key}")
            out[f.key] = w.value if isinstance(w, (Switch, Select)) else w.value
        return out

    def _refresh(self, read: bool = False) -> None:
        """Show the rows of the chosen task with its defaults, and check every value
        (``read``: the text file's contents too, see :func:`check`)."""
        task = self.query_one("#field-task", Select).value
        text = self.query_one("#field-text", Input).value.strip() or None
        try:
            defaults = task_defaults(task, text if "text" in TASKS[task].options else None)
        except ConfigError:
            defaults = task_defaults(task)
        defaults["text"] = task_defaults(task)["text"]   # the task's own corpus, not the one typed
        for f in FIELDS:
            shown = f.shown_for(task)
            for part in ("label", "field", "default", "error"):
                self.query_one(f"#{part}-{f.key}").set_class(not shown, "hidden")
            d = defaults.get(f.key)
            self.query_one(f"#default-{f.key}", Label).update(
                f"default {Path(d).stem if f.key == 'text' and d else _show(d)}" if f.key != "task" else "")
        self.config, errors = check(self.values(), read=read)
        for f in FIELDS:
            self.query_one(f"#error-{f.key}", Label).update(errors.get(f.key, ""))
        what = self.query_one("#what", Static)
        apply = self.query_one("#apply", Button)
        apply.disabled = self.config is None
        if self.config is None:
            wrong = [f.label for f in FIELDS if f.key in errors]
            what.update("Apply waits until every value is right: " + ", ".join(wrong) + ".")
        elif not changes(self.current, dataclasses.asdict(self.config)):
            what.update("Nothing changed.")
        elif live_only(self.current, dataclasses.asdict(self.config)):
            what.update("Apply changes the run from its next step (a mark on the loss curve says what).")
        else:
            what.update("Apply starts a new run with these settings; the current one stays in the runs list (x).")

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Switch.Changed)
    def _changed(self, event) -> None:
        if getattr(event, "select", None) is not None and event.select.id == "preset":
            self._preset(event.value)
            return
        if self.is_mounted:
            self._refresh()

    def _preset(self, name) -> None:
        from rnn_tui.tui.cli import UsageError, load_preset

        if name is Select.NULL or not name:
            return
        try:
            values = load_preset(name)
        except UsageError as e:
            self.query_one("#what", Static).update(str(e))
            return
        self.preset = name
        self._describe(name)
        task = values.get("task", "charlm")
        merged = {**task_defaults(task), **values}
        self.query_one("#field-task", Select).value = task
        for f in FIELDS:
            w = self.query_one(f"#field-{f.key}")
            v = merged.get(f.key)
            if isinstance(w, Select):
                w.value = v if v in f.kind else w.value
            elif isinstance(w, Switch):
                w.value = bool(v)
            else:
                w.value = _show(v)
        self._refresh()

    # ---- actions -------------------------------------------------------------------

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        self._refresh(read=True)
        if self.config is None:
            return
        new = dataclasses.asdict(self.config)
        changed = changes(self.current, new)
        if not changed:
            self.dismiss(None)
            return
        self.dismiss({"config": self.config, "changed": changed, "live": live_only(self.current, new),
                      "preset": self.preset})

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()
