"""Recordings: written while training, replayed in the app frame for frame."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rnn_tui.core import Config, Trainer
from rnn_tui.core.recording import Recorder, RecordingError, Replayer, read
from tests.app_helpers import wait_until, worker_ready
from rnn_tui.tui.app import RnnApp
from rnn_tui.tui.widgets.grad_flow import GradFlow
from rnn_tui.tui.widgets.heatmap import Heatmap
from rnn_tui.tui.widgets.loss_plot import LossPlot
from rnn_tui.tui.widgets.predictions import Predictions
from rnn_tui.tui.widgets.sample_text import SampleText

ROOT = Path(__file__).resolve().parent.parent


def record(path: Path, task: str, steps: int, every: int = 10, **kw) -> None:
    tr = Trainer(Config(task=task, seed=4, **kw))
    rec = Recorder(tr, path, every)
    for _ in range(steps):
        tr.step()
        rec.after_step(tr)
    rec.close(tr)


def test_header_and_frames_are_documented_json_lines(tmp_path):
    path = tmp_path / "run.jsonl"
    record(path, "subtraction", 95)
    lines = path.read_text(encoding="utf-8").splitlines()
    head = json.loads(lines[0])
    assert head["format"] == "rnn-tui-recording" and head["version"] == 1 and head["every"] == 10
    frames = [json.loads(x) for x in lines[1:]]
    assert [f["iteration"] for f in frames] == list(range(10, 100, 10)) + [95]
    assert sum(len(f["losses"]) for f in frames) == 95          # every iteration's loss, once


def test_a_truncated_recording_replays_up_to_its_end(tmp_path):
    path = tmp_path / "run.jsonl"
    record(path, "echo", 200)
    raw = path.read_bytes()
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(raw[: int(len(raw) * 0.6)])
    rec = read(cut)
    assert rec.truncated and 0 < len(rec.frames) < 20
    last = Replayer(rec).snapshot(len(rec.frames) - 1)
    assert last.iteration == 10 * len(rec.frames)


@pytest.mark.parametrize("content", [b"", b"not json\n", b'{"format": "other"}\n', b"\xff\xfe\x00"])
def test_foreign_files_are_refused(tmp_path, content):
    p = tmp_path / "x.jsonl"
    p.write_bytes(content)
    with pytest.raises(RecordingError) as info:
        read(p)
    if not content:
        assert str(info.value) == f"recording is empty: {p}"           # as an empty checkpoint says


def _frame_text(app) -> dict:
    hm = app.query_one(Heatmap)
    return {"plot": app.query_one(LossPlot).render().plain,
            "heatmap": [s.text for s in hm._build()],
            "preds": str(app.query_one(Predictions).content),
            # (a live run adds the hint that b steps through BPTT; a replay cannot)
            "grads": str(app.query_one(GradFlow).content).replace(
                "b: pause and step through BPTT one timestep at a time", ""),
            "sample": str(app.query_one(SampleText).content),
            "status": str(app.query_one("#status").content).splitlines()[0]}


@pytest.mark.parametrize("task", ["charlm", "subtraction"])
async def test_replay_shows_the_same_frames_as_the_live_run(tmp_path, task):
    path = tmp_path / "run.jsonl"
    record(path, task, 120)
    replayer = Replayer(read(path))
    live = Trainer(Config(task=task, seed=4))
    for _ in range(80):
        live.step()
    app_live = RnnApp(live, paused=True)
    async with app_live.run_test(size=(140, 40)) as pilot:
        await worker_ready(pilot)
        await pilot.pause(0.2)
        expected = _frame_text(app_live)
    app = RnnApp(replay=replayer, paused=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await worker_ready(pilot)
        for _ in range(7):                                # frames are 10, 20, … 80
            await pilot.press("right")
        await wait_until(pilot, lambda: app.snapshot.iteration == 80, what="frame of iteration 80")
        await pilot.pause(0.3)
        got = _frame_text(app)
        assert "replay paused 8/12" in str(app.query_one("#status").content)
    assert got == expected


def test_cli_records_and_refuses_bad_recordings(tmp_path):
    out = tmp_path / "r.jsonl"
    res = subprocess.run([sys.executable, "-m", "rnn_tui", "--headless", "--task", "echo", "--steps", "50",
                          "--record", str(out), "--record-every", "5"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert len(read(out).frames) == 10
    for args in (["replay", str(tmp_path / "missing.jsonl")], ["replay", str(ROOT / "README.md")]):
        res = subprocess.run([sys.executable, "-m", "rnn_tui", *args], cwd=ROOT, capture_output=True,
                             text=True, timeout=60)
        assert res.returncode == 2
        assert res.stderr.startswith("rnn-tui: error:") and res.stderr.count("\n") == 1
        assert "Traceback" not in res.stderr


async def test_replay_has_its_own_keys_and_help(tmp_path):
    path = tmp_path / "run.jsonl"
    record(path, "charlm", 40, every=1)                           # 40 frames: 4 s of playing
    app = RnnApp(replay=Replayer(read(path)), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        footer = {b.binding.description for b in app.active_bindings.values()
                  if b.enabled and b.binding.show}
        assert {"Back", "Forward", "Play/Pause"} <= footer
        assert not {"t−1", "t+1", "Step", "Save", "Run/Pause"} & footer
        await pilot.press("space")                                # plays: the hint offers the pause
        await pilot.pause(0.3)
        assert "space pause" in str(app.query_one("#status").content)
        await pilot.press("space")                                # a replay key: no complaint
        await pilot.pause(0.3)
        assert "space play" in str(app.query_one("#status").content)
        assert not any("not in a replay" in n.message for n in app._notifications)
        await pilot.press("n")                                    # a training key
        await pilot.pause(0.2)
        assert any("not in a replay" in n.message for n in app._notifications)
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        rows = dict(app.screen.rows)
        assert "one frame back / forward" in rows["← j / → k"] and "n" not in rows


async def test_a_slow_replay_says_replay_at_once(tmp_path):
    # --fps 0.5: a frame every 2 s; the status line must not wait for the next frame
    # (it showed the training hints "[running] … b BPTT" until then)
    path = tmp_path / "run.jsonl"
    record(path, "subtraction", 60)
    app = RnnApp(replay=Replayer(read(path)), replay_fps=0.5)
    async with app.run_test(size=(100, 30)) as pilot:
        await worker_ready(pilot)
        await pilot.pause(0.3)
        status = str(app.query_one("#status").content)
        assert "replay playing 1/" in status and "BPTT" not in status
        await pilot.press("space")
        await wait_until(pilot, lambda: "replay paused 1/" in str(app.query_one("#status").content),
                         timeout=1.5, what="the paused replay in the status line")
