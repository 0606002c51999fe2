"""The user's own defaults: a small TOML file in the user's config folder.

``~/.config/rnn-tui/config.toml`` (platformdirs' ``user_config_path``, so
``$XDG_CONFIG_HOME/rnn-tui/config.toml`` when that is set)::

    theme = "textual-light"     # any Textual theme (the app remembers the last one chosen)
    fps = 10                    # screen refreshes per second, 1-60
    low_bandwidth = false       # as --low-bandwidth
    autosave = true             # false: as --no-autosave
    output_folder = "~/rnn-tui" # where s saves and e exports (default: the current folder)

Flags on the command line win over the file, the file over the built-in defaults.
A value that does not fit is one clear line naming the file, the key and what is
allowed (:class:`SettingsError`), never a traceback.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

KEYS = {
    "theme": "a Textual theme name in quotes, such as \"textual-dark\" or \"textual-light\"",
    "fps": "a number between 1 and 60",
    "low_bandwidth": "true or false",
    "autosave": "true or false",
    "output_folder": "a folder name in quotes",
}


class SettingsError(ValueError):
    """The config file cannot be used; the message names the file and the value."""


def settings_path() -> Path:
    from platformdirs import user_config_path

    return Path(user_config_path("rnn-tui", appauthor=False)) / "config.toml"


def _check(path: Path, key: str, v):
    bad = SettingsError(f"config file {path}: {key} must be {KEYS[key]}, got {v!r}")
    if key in ("low_bandwidth", "autosave"):
        if not isinstance(v, bool):
            raise bad
    elif key == "fps":
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 1 <= v <= 60:
            raise bad
        v = float(v)
    elif not isinstance(v, str) or not v.strip():
        raise bad
    if key == "theme":
        from rnn_tui.tui.themes import theme_names

        if v not in theme_names():
            raise SettingsError(f"config file {path}: theme {v!r} is not a theme; choose one of: "
                                f"{', '.join(theme_names())}")
    if key == "output_folder":
        v = str(Path(v).expanduser())
    return v


def load_settings(path: Path | None = None) -> dict:
    """The settings in the file (only the keys it sets); ``{}`` when there is no file."""
    path = path or settings_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise SettingsError(f"cannot read config file {path}: {e.strerror or e}") from None
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        values = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SettingsError(f"config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"config file {path} is not valid TOML: {e}") from None
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise SettingsError(f"config file {path} has unknown keys: {', '.join(unknown)} "
                            f"(it may set: {', '.join(KEYS)})")
    return {k: _check(path, k, v) for k, v in values.items()}


def save_setting(key: str, value, path: Path | None = None) -> Path:
    """Set one key in the file, keeping everything else in it (comments too)."""
    path = path or settings_path()
    line = f"{key} = {_toml(value)}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = "# rnn-tui settings (see rnn-tui --help)\n"
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=.*$", re.M)
    text = pattern.sub(line, text, count=1) if pattern.search(text) else text.rstrip("\n") + "\n" + line + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def _toml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
