"""The README's set-up lines are the ones CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_line = next(line for line in readme.splitlines() if "pip install \".[test]\"" in line)
    assert test_line.strip() in ci.splitlines()
    assert any("rnn-tui" in line and "pip install ." in line for line in readme.splitlines())
