"""Command line: one parser for the app and headless mode, and the checks that turn
bad input into one clear line and exit status 2 (never a traceback)."""

from __future__ import annotations

import argparse
import math
import re
import sys

from rnn_tui.core.config import DEFAULT_TASK, Config, ConfigError
from rnn_tui.core.model import ACTIVATIONS
from rnn_tui.core.optim import CLIP_MODES, OPTIMIZERS
from rnn_tui.core.tasks import TASKS, tasks_with


class UsageError(Exception):
    """Bad command-line input; the message is shown as is."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        # "argument --lr: --lr must be a number" -> "--lr must be a number"
        m = re.match(r"argument (\S+?)(?:/\S+)?: (\1 .*)$", message)
        if m:
            message = m.group(2)
        sys.stderr.write(f"rnn-tui: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


def _int(name: str, minimum: int = 1, maximum: int | None = None):
    def parse(s: str) -> int:
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"--{name} must be an integer, got {s!r}") from None
        if v < minimum:
            what = "a positive integer" if minimum == 1 else f"an integer ≥ {minimum}"
            raise argparse.ArgumentTypeError(f"--{name} must be {what}, got {v}")
        if maximum is not None and v > maximum:
            raise argparse.ArgumentTypeError(f"--{name} must be at most {maximum}, got {v}")
        return v
    return parse


def _float(name: str, positive: bool | None = True):
    """A finite number: above 0 (``positive``), at least 0 (False) or any (None)."""
    def parse(s: str) -> float:
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"--{name} must be a number, got {s!r}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"--{name} must be a finite number, got {s!r}")
        if positive and v <= 0:
            raise argparse.ArgumentTypeError(f"--{name} must be greater than 0, got {s}")
        if positive is False and v < 0:
            raise argparse.ArgumentTypeError(f"--{name} must be 0 or more, got {s}")
        return v
    return parse


def _autosave_dir() -> str:
    from rnn_tui.core.autosave import autosave_dir

    return str(autosave_dir()).replace(str(__import__("pathlib").Path.home()), "~", 1)


def version_text() -> str:
    """``rnn-tui --version``: this package and what it runs on."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    import rnn_tui

    def v(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "not installed"

    return (f"rnn-tui {rnn_tui.__version__} (Textual {v('textual')}, NumPy {v('numpy')}, "
            f"plotext {v('plotext')}, Python {platform.python_version()})")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the training flags, in groups, and the subcommands."""
    from rnn_tui.tui.settings import settings_path

    home = str(__import__("pathlib").Path.home())
    p = _Parser(prog="rnn-tui", formatter_class=argparse.RawDescriptionHelpFormatter,
                usage="rnn-tui [options]            train and watch (the app, or --headless)\n"
                      "       rnn-tui COMMAND [options]    COMMAND: serve, replay, check (each has --help)",
                description="Train a NumPy RNN and watch it learn: loss, hidden states, predictions,\n"
                            "samples, and BPTT one timestep at a time.",
                epilog=f"Settings: {str(settings_path()).replace(home, '~', 1)} (TOML) holds your defaults "
                       "for theme, fps, low_bandwidth,\nautosave and output_folder; flags win over it.\n"
                       f"Autosaves: a run that has trained a minute or more is saved every few minutes, on\n"
                       f"quit and when its terminal closes, to {_autosave_dir()} (the newest 5 runs);\n"
                       "--resume continues the newest, --no-autosave leaves a run out.\n"
                       "Keys: press ? in the app.")
    p.add_argument("--version", action="version", version=version_text())
    task = p.add_argument_group("task")
    task.add_argument("--task", choices=list(TASKS), default=None,
                      help="what to learn (default: charlm on tinyshakespeare)")
    task.add_argument("--preset", metavar="NAME|FILE",
                      help=f"a ready-made lesson ({', '.join(PRESETS)}) or a preset .toml file; "
                           "flags given next to it override its values")
    task.add_argument("--text", metavar="FILE", help="UTF-8 text for --task charlm")
    task.add_argument("--seq-len", type=_int("seq-len"), help="timesteps per training window")
    task.add_argument("--bits", type=_int("bits", 2), help="operand bits for subtraction and addition (default 8)")
    task.add_argument("--delay", type=_int("delay", 0), help="delay for echo (default 2)")
    model = p.add_argument_group("model")
    model.add_argument("--hidden", type=_int("hidden"), help="hidden units per layer")
    model.add_argument("--layers", type=_int("layers"), help="stacked recurrent layers")
    model.add_argument("--activation", choices=ACTIVATIONS)
    model.add_argument("--bias", action=argparse.BooleanOptionalAction, default=None,
                       help="give the network the biases bh, by (default: yes; subtraction and addition: "
                            "no, as their tutorials)")
    model.add_argument("--h0", type=_float("h0", positive=None),
                       help="initial hidden state, every unit (default 0; subtraction 0.1, as tutorial 003)")
    model.add_argument("--init", choices=("normal", "uniform"), help="weight initialisation")
    model.add_argument("--init-scale", type=_float("init-scale"), help="std (normal) or bound (uniform)")
    model.add_argument("--init-from", metavar="FILE.npz",
                       help="initial weights from an .npz holding Wxh, Whh, Why (and bh, by) by "
                            "min-char-rnn's names; biases as (H,) or (H, 1)")
    model.add_argument("--dtype", choices=("float64", "float32"), help="default float64")
    training = p.add_argument_group("training")
    training.add_argument("--lr", type=_float("lr"), help="learning rate")
    training.add_argument("--optimizer", choices=OPTIMIZERS)
    training.add_argument("--batch", type=_int("batch"), help="parallel sequences per iteration")
    training.add_argument("--clip", type=_float("clip", positive=False), help="clip threshold (0: none)")
    training.add_argument("--clip-mode", choices=CLIP_MODES, help="value: element-wise; norm: global norm")
    training.add_argument("--seed", type=_int("seed", 0), help="default 0")
    training.add_argument("--load", metavar="CKPT",
                          help="resume from a checkpoint (.npz) with the settings saved in it; "
                               "--lr may set a new learning rate, --text may point at the same corpus "
                               "in another place")
    training.add_argument("--resume", action="store_true",
                          help="continue the newest autosaved run (as --load would)")
    training.add_argument("--no-autosave", action="store_true", help="do not autosave this run (see below)")
    training.add_argument("--backend", choices=("process", "thread"), default=None,
                          help="where training runs: a child process (default) or a thread of the app")
    display = p.add_argument_group("display")
    display.add_argument("--theme", metavar="NAME", help="a Textual theme (textual-dark, textual-light, nord…; "
                                                         "the app remembers the one chosen in it)")
    display.add_argument("--fps", type=_float("fps"), default=None, help="screen refreshes per second (default 10)")
    display.add_argument("--low-bandwidth", action="store_true",
                         help="for slow links (SSH): 256 colours, 4 refreshes a second, heavy panels every 2 s")
    display.add_argument("--paused", action="store_true", help="open the app paused")
    display.add_argument("--temperature", type=_float("temperature"), help="sampling temperature (default 1)")
    display.add_argument("--sample-every", type=_int("sample-every"),
                         help="iterations between text samples (default 100)")
    output = p.add_argument_group("output (with --headless)")
    output.add_argument("--headless", action="store_true", help="train without the UI")
    output.add_argument("--steps", type=_int("steps"), help="iterations (default 1000)")
    output.add_argument("--csv", metavar="FILE", help="write per-iteration metrics as CSV")
    output.add_argument("--jsonl", metavar="FILE", help="write per-iteration metrics as JSON lines")
    output.add_argument("--save", metavar="CKPT", help="save a checkpoint at the end")
    output.add_argument("--record", metavar="FILE", help="record snapshots to a .jsonl file for `rnn-tui replay`")
    output.add_argument("--record-every", type=_int("record-every"), default=None,
                        help="iterations between recorded frames (default 10)")
    sub = p.add_subparsers(dest="command", title="commands", metavar="COMMAND", parser_class=_Parser)
    from rnn_tui.tui.check_cli import CHECK_EPILOG, CHECK_HELP, add_check_arguments

    add_serve_arguments(sub.add_parser("serve", help="serve the app in a web browser (textual-serve)",
                                       description=SERVE_HELP))
    add_replay_arguments(sub.add_parser("replay", help="play a recording made with --headless --record",
                                        description=REPLAY_HELP))
    add_check_arguments(sub.add_parser("check", help="find the bug in your own BPTT, timestep by timestep",
                                       description=CHECK_HELP, epilog=CHECK_EPILOG,
                                       formatter_class=argparse.RawDescriptionHelpFormatter))
    return p


CONFIG_FLAGS = ("task", "text", "hidden", "layers", "seq_len", "batch", "lr", "optimizer",
                "activation", "clip", "clip_mode", "init", "init_scale", "bias", "h0", "init_from",
                "dtype", "seed", "bits", "delay", "temperature", "sample_every")
RESUME_FLAGS = ("task", "text", "lr")       # what may be given with --load (task: checked against it)
def _presets() -> tuple[str, ...]:
    """The shipped presets: every .toml file in ``samples/presets/``."""
    from rnn_tui.core.corpus import samples_dir

    return tuple(sorted(p.stem for p in (samples_dir() / "presets").glob("*.toml")))


PRESETS = _presets()
# settings that mean something for some tasks only (each task says which apply to it)
TASK_ONLY = {key: tasks_with(key) for key in sorted({k for cls in TASKS.values() for k in cls.options})}
HEADLESS_ONLY = ("steps", "csv", "jsonl", "save", "record", "record_every")
APP_ONLY = ("paused", "fps", "low_bandwidth", "backend", "theme")
FPS_RANGE = (1.0, 60.0)


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def _wrong_task(key: str, task: str, name: str, task_name: str) -> str:
    """Why setting ``key`` (called ``name``) means nothing for ``task``; "" if it does."""
    if task in TASK_ONLY.get(key, (task,)):
        return ""
    if key == "seq_len":
        return f"{name} does not apply to {task_name} {task}: {TASKS[task].fixed_length}"
    where = TASK_ONLY[key]
    names = where[0] if len(where) == 1 else ", ".join(where[:-1]) + " or " + where[-1]
    return f"{name} only applies to {task_name} {names} (got {task_name} {task})"


def _preset_value(path, key: str, v, action: argparse.Action):
    """``v`` checked the way its flag would be; a message naming the preset and key if not."""
    where = f"preset {path}: {key}"
    if isinstance(action, argparse.BooleanOptionalAction):
        if not isinstance(v, bool):
            raise UsageError(f"{where} must be true or false, got {v!r}")
        return v
    if action.choices is not None:
        if not isinstance(v, str) or v not in action.choices:
            raise UsageError(f"{where} must be one of: {', '.join(action.choices)}; got {v!r}")
        return v
    if action.type is None:                     # text
        if not isinstance(v, str) or not v:
            raise UsageError(f"{where} must be a file name in quotes, got {v!r}")
        return v
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise UsageError(f"{where} must be a number, got {v!r}")
    try:
        return action.type(str(v))
    except argparse.ArgumentTypeError as e:
        raise UsageError(f"preset {path}: {str(e).replace(_flag(key), key, 1)}") from None


def preset_description(name: str) -> str:
    """What a shipped preset shows: the comment lines it starts with, as one paragraph."""
    from rnn_tui.core.corpus import samples_dir

    try:
        text = (samples_dir() / "presets" / f"{name}.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def load_preset(name: str) -> dict:
    """Values of a preset: a name from :data:`PRESETS` or the path of a .toml file."""
    from pathlib import Path

    from rnn_tui.core.corpus import samples_dir

    path = Path(name)
    if not path.suffix:
        path = samples_dir() / "presets" / f"{name}.toml"
        if name not in PRESETS or not path.is_file():
            raise UsageError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)} "
                             "or give a .toml file")
    if not path.is_file():
        raise UsageError(f"preset file not found: {name}")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"preset {path} is not valid TOML: {e}") from None
    except OSError as e:
        raise UsageError(f"cannot read preset {path}: {e.strerror or e}") from None
    if not values:
        raise UsageError(f"preset {path} sets nothing: a preset is a TOML file of settings, "
                         "e.g. hidden = 50")
    unknown = sorted(set(values) - set(CONFIG_FLAGS))
    if unknown:
        raise UsageError(f"preset {path} has unknown keys: {', '.join(unknown)}")
    actions = {a.dest: a for a in build_parser()._actions}
    values = {k: _preset_value(path, k, v, actions[k]) for k, v in values.items()}
    task = values.get("task", DEFAULT_TASK)
    for key in values:
        why = _wrong_task(key, task, key, "task")
        if why:
            raise UsageError(f"preset {path}: {why}")
    _check_clip(values.get("clip"), values.get("clip_mode"), f"preset {path}: ", "clip", "clip_mode")
    text = values.get("text")
    if text:
        for cand in (path.parent / text, samples_dir() / text, Path(text)):
            if cand.is_file():
                values["text"] = str(cand)
                break
    return values


def _check_clip(clip, mode, where: str = "", clip_name: str = "--clip", mode_name: str = "--clip-mode"):
    """Refuse a threshold and a clip mode that contradict each other, both given by the user."""
    if clip is None or mode is None:
        return
    if clip > 0 and mode == "none":
        raise UsageError(f"{where}{clip_name} {clip:g} has no effect with {mode_name} none")
    if clip == 0 and mode != "none":
        raise UsageError(f"{where}{mode_name} {mode} needs a threshold above 0 ({clip_name} 0 turns "
                         "clipping off)")


def _check_modes(args: argparse.Namespace) -> None:
    """Flags that only the app, or only ``--headless``, uses: refused where they would be
    ignored.  Also the app's --fps range, and headless outputs that would overwrite each other."""
    headless = getattr(args, "headless", True)
    unused = [k for k in (APP_ONLY if headless else HEADLESS_ONLY) if getattr(args, k, None) not in (None, False)]
    if unused:
        flags = ", ".join(_flag(k) for k in unused)
        verb = "apply" if len(unused) > 1 else "applies"
        if headless:
            raise UsageError(f"{flags} only {verb} to the app, not with --headless")
        hint = " (in the app, press s to save a checkpoint)" if "save" in unused else ""
        raise UsageError(f"{flags} only {verb} with --headless{hint}")
    if not headless and args.fps is not None and not FPS_RANGE[0] <= args.fps <= FPS_RANGE[1]:
        raise UsageError(f"--fps {args.fps:g} is out of range (between {FPS_RANGE[0]:g} and {FPS_RANGE[1]:g})")
    for k in ("text", "load", "init_from", "csv", "jsonl", "record", "save"):
        v = getattr(args, k, None)
        if v is not None and not str(v).strip():            # an unset shell variable: --save "$OUT"
            raise UsageError(f"{_flag(k)} is empty: give a file name")
    if headless:
        from pathlib import Path

        # inputs an output must not overwrite (a --save may replace the checkpoint it --load-ed)
        inputs = {k: Path(v) for k in ("text", "load", "init_from", "preset")
                  if (v := getattr(args, k, None)) and (k != "preset" or Path(v).suffix)}
        outs = {}
        for k in ("csv", "jsonl", "record", "save"):
            v = getattr(args, k, None)
            if v and k == "save" and Path(v).is_dir():          # (not a file next to it, + ".npz")
                raise UsageError(f"--save {v} is a folder; give a file name")
            if v:
                p = Path(v) if k != "save" or Path(v).suffix == ".npz" else Path(str(v) + ".npz")
                other = outs.setdefault(_file_key(p), k)
                if other != k:
                    raise UsageError(f"{_flag(other)} and {_flag(k)} name the same file ({p}); "
                                     "give each its own")
                for name, given in inputs.items():
                    if _file_key(given) == _file_key(p) and not (k == "save" and name == "load"):
                        raise UsageError(f"{_flag(k)} {p} is the {_flag(name)} file: it would be "
                                         "overwritten; give the output a name of its own")
                check_output(_flag(k), p)


def _file_key(p) -> object:
    """What tells two paths of one file apart from two files: device and inode when
    it exists (a hard link, a symlink), else the resolved path."""
    try:
        st = p.stat()
    except OSError:
        return p.resolve()
    return (st.st_dev, st.st_ino)


def check_output(flag: str, path) -> None:
    """Refuse now an output that could not be written at the end: its folder must
    exist and take a new file (a probe file is made and removed there)."""
    import os
    import tempfile
    from pathlib import Path

    p = Path(path)
    folder = p.parent
    if p.is_dir():
        raise UsageError(f"{flag} {path} is a folder; give a file name")
    if not folder.is_dir():
        raise UsageError(f"cannot write {flag} {path}: folder {folder} does not exist")
    try:
        fd, probe = tempfile.mkstemp(prefix=".rnn-tui-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise UsageError(f"cannot write {flag} {path}: folder {folder} does not take new files "
                         f"({e.strerror or e})") from None
    if flag != "--save" and p.exists() and not os.access(p, os.W_OK):   # a save replaces the file
        raise UsageError(f"cannot write {flag} {path}: the file is read-only")


def app_settings(args: argparse.Namespace) -> dict:
    """The display and saving settings of a run: the flags, then the user's config
    file (:mod:`tui.settings`), then the defaults.  Keys: theme, fps, low_bandwidth,
    autosave, output_folder."""
    from pathlib import Path

    from rnn_tui.tui.settings import SettingsError, load_settings
    from rnn_tui.tui.themes import theme_names

    try:
        saved = load_settings()
    except SettingsError as e:
        raise UsageError(str(e)) from None
    if args.theme is not None and args.theme not in theme_names():
        raise UsageError(f"unknown theme {args.theme!r}; choose one of: {', '.join(theme_names())}")
    low = args.low_bandwidth or saved.get("low_bandwidth", False)
    folder = saved.get("output_folder")
    if folder and not args.headless and not Path(folder).is_dir():
        raise UsageError(f"output_folder {folder} (in the config file) is not a folder")
    return {"theme": args.theme or saved.get("theme"), "low_bandwidth": low,
            "fps": args.fps or saved.get("fps") or (4.0 if low else 10.0),
            "autosave": not args.no_autosave and saved.get("autosave", True), "output_folder": folder}


def config_from_args(args: argparse.Namespace) -> Config:
    """The validated, resolved :class:`Config` for ``args`` (raises :class:`UsageError`).

    Order of precedence: flags given on the command line, then the preset, then the
    task's defaults.
    """
    _check_modes(args)
    preset = getattr(args, "preset", None)
    values = load_preset(preset) if preset is not None else {}
    flags = {k: getattr(args, k) for k in CONFIG_FLAGS if getattr(args, k, None) is not None}
    task = flags.get("task", values.get("task", DEFAULT_TASK))
    if task != values.get("task", task):
        # another task than the preset's: its task-specific settings do not carry over
        values = {k: v for k, v in values.items() if not _wrong_task(k, task, k, "task")}
    for key in flags:
        why = _wrong_task(key, task, _flag(key), "--task")
        if why:
            raise UsageError(why)
    _check_clip(flags.get("clip"), flags.get("clip_mode"))
    values.update(flags)
    values["task"] = task
    if task in TASKS:
        # a threshold given on its own turns clipping on when the preset or the task had it off
        mode = values.get("clip_mode", TASKS[task].DEFAULTS.get("clip_mode"))
        clip = values.get("clip", TASKS[task].DEFAULTS.get("clip"))
        if "clip" in flags and flags["clip"] > 0 and "clip_mode" not in flags and mode == "none":
            values["clip_mode"] = "value"
        elif "clip_mode" in flags and flags["clip_mode"] != "none" and not clip:
            raise UsageError(f"--clip-mode {flags['clip_mode']} needs a threshold: add --clip N")
    try:
        return Config(**values).resolved()
    except (ConfigError, TypeError) as e:
        text = str(e)
        m = re.match(r"--([a-z0-9-]+) ", text)
        key = m.group(1).replace("-", "_") if m else None
        if preset is not None and key in values and key not in flags:     # the preset's value, not a flag
            text = f"preset {preset}: {key} {text[m.end():]}"
        raise UsageError(text) from None


def _resumed(args: argparse.Namespace) -> str | None:
    """The checkpoint the arguments continue (``--load``, or ``--resume``: the newest
    autosave), after refusing settings that a loaded run cannot change."""
    from rnn_tui.core import autosave

    if args.resume and args.load:
        raise UsageError("--resume and --load both name the run to continue; give one")
    path = args.load
    if args.resume:
        path = autosave.newest()
        if path is None:
            raise UsageError(f"no autosaved run to resume (autosaves live in {autosave.autosave_dir()})")
        path = str(path)
    if path:
        # the checkpoint fixes the model, the data and the run; only the learning
        # rate (and where the corpus now lives) may change on resuming
        flag, verb = ("--resume", "resumed") if args.resume else ("--load", "loaded")
        fixed = [f"--{k.replace('_', '-')}" for k in CONFIG_FLAGS
                 if k not in RESUME_FLAGS and getattr(args, k, None) is not None]
        if getattr(args, "preset", None) is not None:
            fixed.insert(0, "--preset")
        if fixed:
            raise UsageError(f"{', '.join(fixed)} cannot change a run {verb} with {flag}: it keeps the "
                             f"settings it was saved with (only --lr and --text may be given with {flag})")
    return path


def make_trainer(args: argparse.Namespace):
    """Build the trainer the arguments ask for (fresh, ``--load`` or ``--resume``)."""
    from rnn_tui.core import checkpoint
    from rnn_tui.core.trainer import Trainer

    cfg = config_from_args(args)
    path = _resumed(args)
    if path:
        try:
            trainer = checkpoint.load(path, text=args.text, expect_task=args.task if args.task else None)
        except checkpoint.CheckpointError as e:
            raise UsageError(str(e)) from None
        for warning in trainer.warnings:
            print(f"rnn-tui: warning: {warning}", file=sys.stderr)
        if args.resume:
            print(f"rnn-tui: resuming {path} (iteration {trainer.iteration})", file=sys.stderr)
        if args.lr is not None:
            trainer.set_lr(args.lr)
        return trainer
    try:
        return Trainer(cfg)
    except ConfigError as e:
        raise UsageError(str(e)) from None


LARGE_CORPUS = 16 << 20      # bytes: a larger corpus is read by the training process, not the app


def make_run(args: argparse.Namespace):
    """What the app opens on: a trainer built here when its corpus is small (every
    check then happens before the app opens), else a recipe that the training
    process builds while the app shows a loading view (a large corpus is read once,
    there: the app needs its vocabulary, not its text).  The recipe's settings are
    checked here too, and the first part of the corpus."""
    from pathlib import Path

    from rnn_tui.core import checkpoint
    from rnn_tui.core.corpus import check_head
    from rnn_tui.core.session import RunRecipe

    cfg = config_from_args(args)
    path = _resumed(args)
    if path:
        try:
            saved, _ = checkpoint.header(path)
        except checkpoint.CheckpointError as e:
            raise UsageError(str(e)) from None
        if args.task and saved.task != args.task:
            raise UsageError(f"{path} was saved for task {saved.task!r}, not {args.task!r}")
        text = args.text or saved.text
    else:
        text = cfg.text
    try:
        large = bool(text) and Path(text).is_file() and Path(text).stat().st_size > LARGE_CORPUS
    except OSError:
        large = False
    if not large:
        return make_trainer(args)
    try:
        check_head(text)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if path:
        return RunRecipe(load=path, text=args.text, lr=args.lr)
    return RunRecipe(config=cfg)


REPLAY_HELP = ("Replay a recording made with `rnn-tui --headless --record FILE`: space play/pause, "
               "←/→ seek, +/- speed. Nothing is recomputed.")
SERVE_HELP = ("Serve rnn-tui in a web browser (textual-serve); each browser tab gets its own session. "
              "Options after `--` are passed to each session's rnn-tui.")


def add_replay_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("recording", help="the .jsonl recording")
    p.add_argument("--speed", type=_float("speed"), default=1.0, help="start speed (1: --fps frames a second; default 1)")
    p.add_argument("--paused", action="store_true", help="start paused on the first frame")
    p.add_argument("--fps", type=_float("fps"), default=10.0, help="frames per second at 1× (at most 60)")
    return p


def add_serve_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    p.add_argument("--port", type=_int("port", maximum=65535), default=8000, help="port to listen on (default 8000)")
    p.add_argument("app_args", nargs=argparse.REMAINDER, help="arguments for rnn-tui itself")
    return p


def build_replay_parser() -> argparse.ArgumentParser:
    return add_replay_arguments(_Parser(prog="rnn-tui replay", description=REPLAY_HELP))


def build_serve_parser() -> argparse.ArgumentParser:
    return add_serve_arguments(_Parser(prog="rnn-tui serve", description=SERVE_HELP))
