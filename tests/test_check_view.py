"""The check view (``rnn-tui check FILE`` on a terminal): Pilot tests and snapshots at
80x24 and 160x48.

Each test runs the real check on a sample (the user's file in its child process,
about half a second) and drives the view with keys.  Regenerate the snapshots after
a deliberate change with ``pytest tests/test_check_view.py --snapshot-update`` and
look at them before committing.
"""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from rnn_tui.core.usercheck import CheckOptions
from rnn_tui.tui.check_app import CheckApp
from rnn_tui.tui.widgets.captured_output import CapturedOutput, printable
from rnn_tui.tui.widgets.check_table import CheckTable
from rnn_tui.tui.widgets.check_verdict import CheckVerdict
from rnn_tui.tui.widgets.trace_steps import TraceSteps

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "check"
WIDE, COMPACT = (160, 48), (80, 24)


def app_for(path, **kw) -> CheckApp:
    return CheckApp(CheckOptions(file=str(path), **kw))


async def checked(pilot, timeout: float = 60.0) -> None:
    """Let the app run until the check has finished (or was refused)."""
    app = pilot.app
    t0 = time.monotonic()
    while app.report is None and not app.error and app.is_running:
        if time.monotonic() - t0 > timeout:
            raise AssertionError("the check did not finish")
        await pilot.pause(0.05)
    await pilot.pause(0.1)


def text(app, widget_type) -> str:
    """What a section shows, as plain text (and that it is on screen)."""
    w = app.query_one(widget_type)
    assert w.parent.display, f"{widget_type.__name__} is not on screen"
    return w.content.plain if hasattr(w.content, "plain") else str(w.content)


def write(d: Path, name: str, src: str) -> Path:
    p = d / name
    p.write_text(textwrap.dedent(src))
    return p


# ---- opening, the answer and the cursor ----------------------------------------------------------


async def test_a_buggy_sample_opens_on_its_first_mismatch_with_the_diagnosis_and_hint():
    app = app_for(SAMPLES / "bug_no_dhnext.py")
    async with app.run_test(size=WIDE) as pilot:
        await checked(pilot)
        fm = app.report.trace.first_mismatch
        assert (fm.quantity, fm.t) == ("dh", app.report.setup.seq_len - 2)
        assert (app.t, app.layer) == (fm.t, fm.layer)
        answer = text(app, CheckVerdict)
        assert "✗ FAIL" in answer and "`+ dhnext` missing from dh" in answer
        assert "hint" in answer and "dh = np.dot(Why.T, dy) + dhnext" in answer
        steps = text(app, TraceSteps)
        assert f"t = {fm.t} of 0…{app.report.setup.seq_len - 1}" in steps
        assert "the first mismatch: dh" in steps
        for row in ("yours", "reference", "difference"):
            assert row in steps
        table = text(app, CheckTable)
        assert "shortest failing length" in table and "fail from length 2" in table
        assert "dWhh" in table and "FAIL" in table
        await pilot.press("q")
    assert app.return_code == 1


async def test_the_cursor_moves_through_time_and_m_goes_back_to_the_first_mismatch():
    app = app_for(SAMPLES / "bug_dhnext_whh.py")
    async with app.run_test(size=WIDE) as pilot:
        await checked(pilot)
        T = app.report.setup.seq_len
        first = app.t
        assert first == T - 1 and "the first mismatch: dhnext" in text(app, TraceSteps)
        await pilot.press("left", "j")
        assert app.t == first - 2 and f"t = {first - 2} of" in text(app, TraceSteps)
        await pilot.press("k")
        assert app.t == first - 1
        await pilot.press("home")
        assert app.t == 0 and "t = 0 of" in text(app, TraceSteps)
        await pilot.press("left")                       # stays at 0
        assert app.t == 0
        await pilot.press("end")
        assert app.t == T - 1
        await pilot.press("home", "m")
        assert app.t == first and "the first mismatch" in text(app, TraceSteps)


async def test_on_a_small_terminal_the_sections_are_tabs_and_arrows_bring_the_step_through():
    app = app_for(SAMPLES / "bug_no_dhnext.py")
    async with app.run_test(size=COMPACT) as pilot:
        await checked(pilot)
        view = app.view
        assert view.has_class("-compact") and view.section == "answer"
        assert not app.query_one("#box-trace").display
        first = app.t
        await pilot.press("right")                  # the first press shows the step-through, where it was
        assert view.section == "trace" and app.t == first
        assert app.query_one("#box-trace").display and not app.query_one("#box-answer").display
        await pilot.press("right")
        assert app.t == first + 1
        await pilot.press("tab")
        assert view.section == "output" and app.query_one("#box-output").display
        await pilot.press("tab", "tab")
        assert view.section == "checks" and "timestep by timestep" in text(app, CheckTable)


async def test_a_stacked_network_switches_layers_with_y():
    app = app_for(SAMPLES / "any_task.py", config=_config(task="stack"), given=frozenset({"task"}))
    async with app.run_test(size=WIDE) as pilot:
        await checked(pilot)
        assert app.report.passed and app.report.setup.layers == 2
        assert app.layer == 1 and "layer 1 of 2 (top; y switches)" in text(app, TraceSteps)
        await pilot.press("y")
        assert app.layer == 0 and "layer 0 of 2 (bottom" in text(app, TraceSteps)


def _config(**kw):
    from rnn_tui.core.config import Config

    return Config(**kw).resolved()


# ---- passing, failing code, output ---------------------------------------------------------------


async def test_a_passing_sample_says_so_and_still_lets_you_browse_the_trace():
    app = app_for(SAMPLES / "min_char_rnn.py")
    async with app.run_test(size=WIDE) as pilot:
        await checked(pilot)
        assert app.report.passed
        assert "✓ all checks pass" in text(app, CheckVerdict)
        steps = text(app, TraceSteps)
        T = app.report.setup.seq_len
        assert app.t == T - 1 and "agrees" in steps and "✗" not in steps
        await pilot.press("left")
        assert app.t == T - 2 and "yours = reference" in text(app, TraceSteps)
        await pilot.press("q")
    assert app.return_code == 0


async def test_an_exception_in_the_users_code_is_the_main_message_with_their_frames(tmp_path):
    src = (SAMPLES / "min_char_rnn.py").read_text().replace('open("../tiny.txt"', 'open("tiny.txt"')
    loop = src.index("\n", src.index("for t in reversed"))
    src = src[:loop] + "\n        if t == 20:\n            raise ValueError('shapes not aligned')" + src[loop:]
    (tmp_path / "tiny.txt").write_text((REPO / "samples" / "tiny.txt").read_text())
    f = write(tmp_path, "mine.py", src)
    app = app_for(f)
    async with app.run_test(size=COMPACT) as pilot:
        await checked(pilot)
        answer = text(app, CheckVerdict)
        assert "lossFun raised ValueError on the first call: shapes not aligned" in answer
        line = src[:src.index("raise ValueError")].count("\n") + 1
        assert f"mine.py, line {line}, in lossFun" in answer
        assert "Traceback (most recent call last)" not in answer     # only their frames, formatted
        await pilot.press("q")
    assert app.return_code == 1


async def test_what_the_file_prints_is_in_the_output_section_not_on_the_screen(tmp_path):
    src = (SAMPLES / "min_char_rnn.py").read_text().replace('open("../tiny.txt"', 'open("tiny.txt"')
    (tmp_path / "tiny.txt").write_text((REPO / "samples" / "tiny.txt").read_text())
    f = write(tmp_path, "loud.py", src + textwrap.dedent("""
        import sys
        for i in range(500):
            print(f"iteration {i}: loss {100 - i * 0.1:.3f}")
        print("\\x1b[2J\\x1b[31mwarning: learning rate\\x1b[0m", file=sys.stderr)
    """))
    app = app_for(f)
    async with app.run_test(size=COMPACT) as pilot:
        await checked(pilot)
        assert app.report.passed
        await pilot.press("tab", "tab", "tab")
        out = text(app, CapturedOutput)
        assert "iteration 0: loss 100.000" in out and "iteration 499: loss 50.100" in out
        assert "warning: learning rate" in out and "\x1b" not in out
        assert app.query_one("#box-output").border_subtitle.startswith("printed 500 lines")


def test_printed_text_loses_its_escape_sequences_and_keeps_the_last_state_of_a_progress_line():
    assert printable("\x1b[1mbold\x1b[0m\x1b]0;title\x07 x\r\n10%\r50%\r100%\n\x07") == "bold x\n100%\n�"


async def test_a_file_that_cannot_be_imported_in_time_is_stopped_and_says_why(tmp_path):
    f = write(tmp_path, "train.py", """
        import time
        def lossFun(inputs, targets, hprev):
            return 0
        while True:
            time.sleep(0.05)
    """)
    app = app_for(f, timeout=1.0)
    async with app.run_test(size=COMPACT) as pilot:
        await checked(pilot)
        assert "the file keeps running when imported — put the training loop under" in text(app, CheckVerdict)
        await pilot.press("q")
    assert app.return_code == 1


# ---- quitting, re-running, refusing ------------------------------------------------------------


async def test_q_while_the_check_runs_stops_the_users_code_and_exits_130(tmp_path):
    pidfile = tmp_path / "pid"
    f = write(tmp_path, "forever.py", f"""
        import os, time
        open({str(pidfile)!r}, "w").write(str(os.getpid()))
        while True:
            time.sleep(0.05)
    """)
    app = app_for(f, timeout=60.0)
    async with app.run_test(size=COMPACT) as pilot:
        while not pidfile.exists() or not pidfile.read_text():
            await pilot.pause(0.05)
        assert app.running and "running your file…" in text(app, CheckVerdict)
        await pilot.press("q")
    assert app.return_code == 130 and app.error_line == "rnn-tui: check interrupted"
    pid = int(pidfile.read_text())
    for _ in range(200):                            # the worker reaps it once killed
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the user's code was still running after q")


async def test_r_checks_again_and_a_file_broken_meanwhile_is_refused_with_exit_2(tmp_path):
    f = tmp_path / "mine.py"
    src = (SAMPLES / "bug_no_dhnext.py").read_text().replace('open("../tiny.txt"', 'open("tiny.txt"')
    (tmp_path / "tiny.txt").write_text((REPO / "samples" / "tiny.txt").read_text())
    f.write_text(src)
    app = app_for(f)
    async with app.run_test(size=COMPACT) as pilot:
        await checked(pilot)
        assert not app.report.passed
        f.write_text(src.replace("def lossFun(inputs, targets, hprev):", "def lossFun(inputs, targets, hprev)"))
        await pilot.press("r")
        await checked(pilot)
        assert app.error.startswith(f"syntax error in {f}, line ")
        assert "this file cannot be checked" in text(app, CheckVerdict)
        await pilot.press("q")
    assert app.return_code == 2


async def test_a_file_refused_at_the_start_closes_the_view_with_one_line_and_exit_2(tmp_path):
    f = write(tmp_path, "other.py", "def train():\n    pass\n")
    app = app_for(f)
    async with app.run_test(size=COMPACT) as pilot:
        await checked(pilot)
    assert app.return_code == 2
    assert app.error_line.startswith("rnn-tui: error: ") and "defines neither loss_and_grads nor lossFun" in \
        app.error_line


# ---- snapshots ------------------------------------------------------------------------------------


def _snap(keys=(), theme: str | None = None):
    async def run_before(pilot) -> None:
        await checked(pilot)
        if theme:
            pilot.app.theme = theme
        for k in keys:
            await pilot.press(k)
        await pilot.pause(0.2)
    return run_before


@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)                         # the header shows the path as given


def test_snapshot_wide_160x48(snap_compare, in_repo):
    app = app_for("samples/check/bug_no_dhnext.py")
    assert snap_compare(app, terminal_size=WIDE, run_before=_snap())


def test_snapshot_wide_160x48_light(snap_compare, in_repo):
    app = app_for("samples/check/bug_dhnext_whh.py")
    assert snap_compare(app, terminal_size=WIDE, run_before=_snap(theme="textual-light"))


def test_snapshot_compact_80x24_answer(snap_compare, in_repo):
    app = app_for("samples/check/bug_dhnext_whh.py")
    assert snap_compare(app, terminal_size=COMPACT, run_before=_snap())


def test_snapshot_compact_80x24_step_through(snap_compare, in_repo):
    app = app_for("samples/check/bug_no_dhnext.py")
    assert snap_compare(app, terminal_size=COMPACT, run_before=_snap(keys=("right",)))


# ---- the command, on a terminal ----------------------------------------------------------------------


def test_rnn_tui_check_on_a_terminal_opens_the_view_and_q_exits_with_the_verdict():
    from tests.test_e2e_pty import Term, _command

    term = Term(_command() + ["check", str(SAMPLES / "bug_no_dhnext.py")], cols=80, rows=24)
    try:
        assert term.wait_for("missing from dh", timeout=60), term.text()[-2000:]
        assert term.wait_for("answer  checks  step-through  output", timeout=5)
        term.send("q")
        assert term.wait_exit(timeout=30) == 1
    finally:
        term.kill()


def test_rnn_tui_check_of_a_missing_file_on_a_terminal_is_one_line_and_no_screen(tmp_path):
    from tests.test_e2e_pty import Term, _command

    term = Term(_command() + ["check", str(tmp_path / "nope.py")], cols=80, rows=24)
    try:
        assert term.wait_exit(timeout=30) == 2
        assert b"\x1b[?1049h" not in term.buf                   # the alternate screen never opened
        assert term.text().strip() == f"rnn-tui: error: file not found: {tmp_path / 'nope.py'}"
    finally:
        term.kill()
