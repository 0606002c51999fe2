"""An hour in front of a class: a training process that dies is reported at once
and can be restarted; SIGTERM and SIGHUP leave the terminal clean; a session that
ends keeps a run worth keeping."""

from __future__ import annotations

import os
import signal
import time

from rnn_tui.core import autosave, checkpoint
from rnn_tui.core import messages as msg
from rnn_tui.core.autosave import Autosaver
from rnn_tui.core.session import Session
from rnn_tui.tui.app import RnnApp
from tests.app_helpers import trained, wait_until, worker_ready
from tests.test_e2e_pty import Term, _command


async def _kill_training(pilot) -> None:
    """SIGKILL the app's training process and wait until the app has noticed."""
    app = pilot.app
    os.kill(app.backend.proc.pid, signal.SIGKILL)
    await wait_until(pilot, lambda: app.dead, timeout=5, what="the death to be noticed")


async def test_a_killed_training_process_is_reported_and_restarted_from_the_backup():
    app = RnnApp(trained("subtraction", 10))
    async with app.run_test(size=(120, 34)) as pilot:
        await wait_until(pilot, lambda: app.backend.slot.state is not None, timeout=30, what="a state copy")
        backup = app.backend.slot.state.iteration
        pid = app.backend.proc.pid
        os.kill(pid, signal.SIGKILL)
        await wait_until(pilot, lambda: app.dead, timeout=5, what="the death to be noticed")
        assert app.dead == "training process killed by SIGKILL"
        assert not app.backend.proc.is_alive() and app.backend.proc.exitcode == -signal.SIGKILL   # reaped
        await pilot.pause(0.3)
        status = str(app.query_one("#status").content)
        assert "[stopped]" in status and "killed by SIGKILL" in status and "ctrl+r" in status
        assert "app's backup" in app._restart[0] and f"it {backup:,}" in app._restart[0]
        from textual.widgets._footer import FooterKey
        assert "ctrl+r" in [k.key for k in app.query(FooterKey)]         # the footer offers it
        await pilot.press("l")                                   # the views still work
        await pilot.press("ctrl+r")
        # until the new process sends a copy of its own, a second crash goes back to this backup
        assert app.backend.slot.state is not None and app.backend.slot.state.iteration == backup
        await wait_until(pilot, lambda: not app.dead and app._seq >= 0 and app.snapshot.iteration > backup,
                         timeout=30, what="training again, on from the backup")
        assert app.backend.proc.pid != pid


async def test_a_stopped_training_process_is_said_to_be_stopped_and_the_notice_goes_when_it_resumes(monkeypatch):
    """kill -STOP on the training process: the header kept "[running] … it/s", the
    iteration frozen, keys without effect, and nothing said why."""
    monkeypatch.setattr(RnnApp, "SILENT_AFTER", 1.0)
    app = RnnApp(trained("subtraction", 10))
    async with app.run_test(size=(120, 34)) as pilot:
        await wait_until(pilot, lambda: app._seq >= 0 and app.update_msg.running, timeout=30, what="training")
        pid = app.backend.proc.pid
        os.kill(pid, signal.SIGSTOP)
        try:
            await wait_until(pilot, lambda: "is stopped" in app._silence, timeout=10, what="the notice")
            assert app._silence == f"the training process ({pid}) is stopped: kill -CONT {pid} resumes it"
            await pilot.pause(0.2)
            status = str(app.query_one("#status").content)
            assert f"kill -CONT {pid}" in status and "[stopped]" in status and "[running]" not in status
        finally:
            os.kill(pid, signal.SIGCONT)
        await wait_until(pilot, lambda: app._silence == "", timeout=10, what="the notice to go")
        it = app.snapshot.iteration
        await wait_until(pilot, lambda: app.snapshot.iteration > it, timeout=10, what="training again")


async def test_a_restarted_process_that_dies_while_starting_says_so_instead_of_loading():
    """Killed again right after ctrl+r, the screen kept "starting the training process… 0%"."""
    app = RnnApp(trained("echo", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await _kill_training(pilot)
        await pilot.press("ctrl+r")
        assert app.loading
        os.kill(app.backend.proc.pid, signal.SIGKILL)                  # before it sends anything
        await wait_until(pilot, lambda: app.dead, timeout=5, what="the second death")
        await pilot.pause(0.3)
        text = str(app.main.query_one("#loading-text").content)
        assert "the training process stopped while starting" in text and "ctrl+r starts it again" in text
        assert "killed by SIGKILL" in str(app.query_one("#status").content)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: not app.loading and not app.dead, timeout=30, what="running again")


async def test_the_weights_panel_says_the_training_process_is_not_running():
    """After a crash it said "sampling the weights…", which no process was doing."""
    from rnn_tui.tui.widgets.weights import WeightsPanel

    app = RnnApp(trained("echo", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:               # one panel at a time: weights not sampled
        await worker_ready(pilot)
        await _kill_training(pilot)
        while app.panel != "weights":
            app.action_next_panel()
        await pilot.pause(0.5)
        text = str(app.query_one(WeightsPanel).content)
        assert "not running (training process killed by SIGKILL)" in text and "sampling" not in text


async def test_quitting_after_a_crash_exits_1():
    app = RnnApp(trained("echo", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await _kill_training(pilot)
        await pilot.pause(0.3)
        from textual.widgets._footer import FooterKey
        footer = [k.key for k in app.query(FooterKey)]
        assert "ctrl+r" in footer and "space" not in footer and "n" not in footer   # 100 columns: it fits
        await pilot.press("space")                               # says why, rather than nothing
        await pilot.pause(0.2)
        assert any("space: the training process is not running" in n.message and "ctrl+r" in n.message
                   for n in app._notifications)
        await pilot.press("q")                                   # no "press q again": the run is gone
        await wait_until(pilot, lambda: not app.is_running, timeout=5, what="the app to quit")
    assert app.return_code == 1


def test_a_session_that_ends_autosaves_its_run(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    session = Session(trained("echo", 0), lambda u: None)
    session.autosaver = Autosaver(every=3600, min_training=0.0)
    for _ in range(12):
        session.handle(msg.Step(1))
    session.handle(msg.SwitchTask("subtraction"))                # the run it replaces is kept
    saved = autosave.autosaves()
    assert len(saved) == 1 and checkpoint.load(saved[0]).iteration == 12
    session.handle(msg.Step(3))
    session.close()                                              # quit, or the app is gone
    assert len(autosave.autosaves()) == 2
    assert checkpoint.load(autosave.newest()).config.task == "subtraction"


def test_sigterm_restores_the_terminal_and_exits_143(tmp_path):
    term = Term(_command() + ["--task", "subtraction", "--no-autosave"], cols=100, rows=30)
    try:
        assert term.wait_for("[running]"), term.text()[-2000:]
        assert b"\x1b[?1049h" in term.buf                       # it drew in the alternate screen
        mark = len(term.buf)
        os.kill(term.pid, signal.SIGTERM)
        assert term.wait_exit(timeout=20) == 143
        tail = term.buf[mark:]
        assert b"\x1b[?1049l" in tail and b"\x1b[?25h" in tail   # alternate screen left, cursor back
        assert b"Traceback" not in tail and b"Terminated" not in tail
    finally:
        term.kill()
    time.sleep(0.5)
    assert not _children_of(term.pid)                            # the training process is gone too


def test_sighup_exits_129_and_leaves_no_process():
    term = Term(_command() + ["--task", "echo", "--no-autosave"], cols=100, rows=30)
    try:
        assert term.wait_for("[running]"), term.text()[-2000:]
        os.kill(term.pid, signal.SIGHUP)
        assert term.wait_exit(timeout=20) == 129
    finally:
        term.kill()
    time.sleep(0.5)
    assert not _children_of(term.pid)


def _children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def test_textuals_output_thread_survives_a_terminal_that_went_away():
    """The first write to a vanished pty fails (EIO) and once ended Textual's output
    thread; with its queue of 30 writes full, the app's next write waited for ever (an
    app frozen after SIGHUP).  Now the thread drops what it cannot write."""
    import errno
    import threading

    from textual.drivers._writer_thread import MAX_QUEUED_WRITES, WriterThread

    from rnn_tui.tui.terminal import survive_a_vanished_terminal

    class Gone:
        def write(self, text):
            raise OSError(errno.EIO, "Input/output error")

        def flush(self):
            raise OSError(errno.EIO, "Input/output error")

    survive_a_vanished_terminal()
    out = WriterThread(Gone())
    out.start()

    def frames_then_stop():
        for i in range(MAX_QUEUED_WRITES * 4):                  # what an app draws while it ends
            out.write(f"frame {i}")
        out.stop()

    app = threading.Thread(target=frames_then_stop, daemon=True)
    app.start()
    app.join(timeout=30)                                        # a hang, not a speed: it never returned
    assert not app.is_alive() and not out.is_alive()


def test_an_app_whose_terminal_closes_exits_129_and_leaves_no_process():
    """The pty's other end closes (tmux killed, SSH dropped): SIGHUP, and the writes fail."""
    term = Term(_command() + ["--task", "subtraction", "--no-autosave"], cols=100, rows=30)
    try:
        assert term.wait_for("[running]"), term.text()[-2000:]
        term.read_for(1.0)
        os.close(term.fd)
        status, end = None, time.monotonic() + 30
        while status is None and time.monotonic() < end:
            pid, st = os.waitpid(term.pid, os.WNOHANG)
            status = os.waitstatus_to_exitcode(st) if pid else None
            time.sleep(0.05)
        assert status == 129
    finally:
        term.kill()
    time.sleep(0.5)
    assert not _children_of(term.pid)


def test_a_restart_never_takes_an_autosave_of_another_branch_of_the_run(tmp_path, monkeypatch):
    """A checkpoint of this run opened with o goes on as a branch of its own: it gets
    a run of its own, so neither its crash nor its autosave reaches the run it came from,
    and a restart plan refuses a state whose marks the run on screen does not share."""
    from rnn_tui.tui.restart import restart_plan

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    trainer = trained("echo", 0)
    session = Session(trainer, lambda u: None)
    session.autosaver = Autosaver(every=3600, min_training=0.0)
    for _ in range(20):
        session.handle(msg.Step(1))
    early = tmp_path / "early.npz"
    checkpoint.save(session.trainer, early)                       # s at iteration 20
    for _ in range(30):
        session.handle(msg.Step(1))
    first = session.trainer.run_id
    session.handle(msg.Load(str(early)))                          # o: back to 20, the run it left is kept
    branch = session.trainer
    assert branch.run_id != first and branch.iteration == 20
    assert [it for it, _ in autosave_iterations()] == [50]        # the run it left, autosaved
    for _ in range(5):
        session.handle(msg.Step(1))
    # not the other branch's 50: the checkpoint this branch was loaded from, going on as this run
    what, at, recipe = restart_plan(branch.snapshot(), None)
    assert (what, at) == ("its checkpoint early.npz (it 20), losing 5 iterations", 20)
    assert recipe.load == str(early) and recipe.build().run_id == branch.run_id
    # the same file under this run's name (an older rnn-tui kept the run id): refused by its marks
    other = autosave.autosave_dir() / f"echo-{first}.npz"
    other.rename(autosave.autosave_dir() / f"echo-{branch.run_id}.npz")
    what, at, _ = restart_plan(branch.snapshot(), None)
    assert at == 20
    session.close()
    what, at, _ = restart_plan(branch.snapshot(), None)           # its own autosave, on its branch
    assert at == 25 and "its autosave" in what
    # a run loaded with --load and killed before its first backup goes back to that file
    fresh = checkpoint.load(early)
    fresh.step()
    what, at, recipe = restart_plan(fresh.snapshot(), None)
    assert at == 20 and recipe.load == str(early)


def autosave_iterations():
    return sorted((checkpoint.header(p)[1]["iteration"], p) for p in autosave.autosaves())
