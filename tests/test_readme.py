"""The README's set-up lines are the ones CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_line = next(line for line in readme.splitlines() if "pip install \".[test]\"" in line)
    assert test_line.strip() in ci.splitlines()
    assert any("rnn-tui" in line and "pip install ." in line for line in readme.splitlines())


def test_the_readme_key_table_is_the_apps_own():
    """Help, README and footer say the same thing: the README's table is generated
    from the key table that makes the ? screen and the footer."""
    import sys

    sys.path.insert(0, str(ROOT / "docs"))
    import update_readme

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert update_readme.rendered(readme) == readme, "run python docs/update_readme.py"
    from rnn_tui.tui.app import RnnApp
    from rnn_tui.tui.keys import help_rows

    assert RnnApp.HELP == help_rows("train")
    for keys, what in RnnApp.HELP:
        if keys:
            assert f"| `{keys}` | {what} |" in readme


def test_the_rollback_interval_the_help_and_readme_name_is_the_trainers():
    from rnn_tui.core.trainer import Trainer
    from rnn_tui.tui.keys import help_rows

    said = f"every {Trainer.BACKUP_EVERY} iterations"
    assert any(said in what for _, what in help_rows("train"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(said) == 3 and "every 10 iterations" not in readme
