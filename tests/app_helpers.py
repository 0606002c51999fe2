"""Shared helpers for the app tests: seeded trainers and waiting on the worker."""

from __future__ import annotations

import time

from rnn_tui.core import Config, Trainer

PRETRAIN = {"charlm": 300, "subtraction": 1500, "echo": 400, "hello": 150, "stack": 400}
SNAPSHOT_STEPS = {**PRETRAIN, "charlm": 10}
"""Steps before an SVG snapshot.  Char-LM training is chaotic in its last bits: NumPy
builds differ by an ulp (exp, BLAS), and by step 20 the loss differs in its first
decimal (numpy 1.24 against 2.4), so its snapshots train 10 steps, which every build
draws the same."""


def trained(task: str = "charlm", steps: int | None = None, **kw) -> Trainer:
    """A trainer of ``task`` after a fixed number of seeded steps."""
    t = Trainer(Config(task=task, seed=kw.pop("seed", 1), **kw))
    for _ in range(PRETRAIN[task] if steps is None else steps):
        t.step()
    return t


def snapshot_trained(task: str) -> Trainer:
    """A trainer of ``task`` for an SVG snapshot (see :data:`SNAPSHOT_STEPS`)."""
    return trained(task, SNAPSHOT_STEPS[task])


async def wait_until(pilot, cond, timeout: float = 15.0, what: str = "condition") -> None:
    """Let the app run until ``cond()`` holds (the trainer lives in another process)."""
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def worker_ready(pilot) -> None:
    """Wait for the first update from the training worker."""
    app = pilot.app
    await wait_until(pilot, lambda: app._seq >= 0, what="the first snapshot from the worker")
    await pilot.pause(0.1)


async def bptt_steps(pilot, n: int) -> None:
    """Open the BPTT step-through (b) and process ``n`` timesteps (←)."""
    app = pilot.app
    await pilot.press("b")
    await wait_until(pilot, lambda: app.bptt_view is not None, what="BPTT mode")
    await pilot.press(*["left"] * n)
    await wait_until(pilot, lambda: app.bptt_view.processed == n, what=f"{n} timesteps")
