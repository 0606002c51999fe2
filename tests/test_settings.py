"""The command line as the Textual apps people like have it: --version, subcommands
with their own --help, grouped flags, and a config file for the defaults people
change (a bad value in it is one clear line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnn_tui.tui.settings import load_settings, save_setting, settings_path


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home / "rnn-tui" / "config.toml"




def test_version_names_the_package_and_what_it_runs_on(run_cli):
    out = run_cli("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("rnn-tui ") and "Textual 8." in out.stdout and "NumPy " in out.stdout


def test_help_lists_the_commands_groups_the_flags_and_names_the_config_file(run_cli, config_home):
    out = run_cli("--help").stdout
    for group in ("task:", "model:", "training:", "display:", "output (with --headless):", "commands:"):
        assert group in out
    for command in ("serve", "replay", "check"):
        assert f"    {command}" in out
        sub = run_cli(command, "--help")
        assert sub.returncode == 0 and sub.stdout.startswith(f"usage: rnn-tui {command}")
    assert str(config_home).replace(str(Path.home()), "~", 1) in out.replace("\n", "")


def test_the_config_file_sets_defaults_and_flags_win(config_home, run_cli):
    from rnn_tui.tui.cli import app_settings, build_parser

    config_home.parent.mkdir(parents=True)
    config_home.write_text('# mine\ntheme = "nord"\nfps = 5\nautosave = false\n')
    s = app_settings(build_parser().parse_args([]))
    assert (s["theme"], s["fps"], s["autosave"]) == ("nord", 5.0, False)
    s = app_settings(build_parser().parse_args(["--theme", "textual-light", "--fps", "20"]))
    assert (s["theme"], s["fps"]) == ("textual-light", 20.0)


@pytest.mark.parametrize("content, says", [
    ('fps = "x"\n', "fps must be a number between 1 and 60, got 'x'"),
    ("fps = 500\n", "fps must be a number between 1 and 60, got 500"),
    ('theme = "nope"\n', "theme 'nope' is not a theme; choose one of:"),
    ("autosave = 1\n", "autosave must be true or false, got 1"),
    ("colour = 3\n", "has unknown keys: colour"),
    ("fps = \n", "is not valid TOML"),
])
def test_a_bad_value_in_the_config_file_is_one_line(config_home, run_cli, content, says):
    config_home.parent.mkdir(parents=True)
    config_home.write_text(content)
    out = run_cli("--headless", "--task", "echo", "--steps", "2")
    assert out.returncode == 2
    assert out.stderr.startswith(f"rnn-tui: error: config file {config_home}") and says in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_saving_a_setting_keeps_the_rest_of_the_file(config_home):
    config_home.parent.mkdir(parents=True)
    config_home.write_text('# my settings\nfps = 5  # slow ssh\ntheme = "nord"\n')
    save_setting("theme", "textual-light")
    save_setting("autosave", False)
    text = config_home.read_text()
    assert "# my settings" in text and "fps = 5  # slow ssh" in text
    assert load_settings() == {"fps": 5.0, "theme": "textual-light", "autosave": False}
    assert settings_path() == config_home


async def test_the_app_remembers_the_theme_chosen_in_it(config_home):
    from rnn_tui.tui.app import RnnApp
    from tests.app_helpers import trained, worker_ready

    app = RnnApp(trained("echo", 3), paused=True, theme="nord", remember_theme=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        assert app.theme == "nord"
        app.theme = "textual-light"                    # what the palette's theme switch does
        await pilot.pause(0.1)
    assert load_settings()["theme"] == "textual-light"


def test_a_command_after_flags_is_refused(run_cli):
    out = run_cli("--task", "echo", "replay", "x.jsonl")
    assert out.returncode == 2 and "put the command first" in out.stderr
