"""The addition task: it learns, its predictions show the carries, and the app and
the command line know it without being told (the task registry)."""

from __future__ import annotations

import numpy as np

from rnn_tui.core import Config, Trainer
from rnn_tui.core.model import forward
from rnn_tui.core.tasks import TASKS, Addition
from tests.app_helpers import wait_until, worker_ready
from rnn_tui.tui.app import RnnApp


def exact_match(trainer: Trainer, n: int = 256, seed: int = 12345) -> float:
    """Fraction of ``n`` held-out (a, b) pairs whose every output bit is right."""
    task = trainer.task
    a, b = task.draw(np.random.default_rng(seed), n)
    batch = task.encode(a, b)
    h0 = np.full((trainer.spec.layers, n, trainer.spec.hidden_size), trainer.config.h0)
    cache = forward(trainer.spec, trainer.params, batch.x, batch.y, h0, batch.mask)
    truth = ((a + b)[None, :] >> np.arange(task.bits)[:, None]) & 1      # (T, B), LSB first
    return float((task.predict_bits(cache) == truth).all(axis=0).mean())


def test_addition_learns_exactly_within_10000_examples():
    trainer = Trainer(Config(task="addition"))
    assert (trainer.config.hidden, trainer.config.activation, trainer.config.optimizer) == (16, "sigmoid", "sgd")
    assert exact_match(trainer) < 0.1
    for _ in range(10_000):
        trainer.step()
    assert exact_match(trainer) == 1.0


def test_addition_encodes_bits_least_significant_first_and_sums_fit():
    task = Addition(8)
    a, b = task.draw(np.random.default_rng(0), 1000)
    assert (a + b).max() < 256
    batch = task.encode(np.array([5]), np.array([3]))            # 101 + 011 = 1000
    assert batch.x[:3, 0].tolist() == [[1, 1], [0, 1], [1, 0]]    # t = 0 is the lowest bit
    assert batch.y[:4, 0, 0].tolist() == [0, 0, 0, 1]
    assert Addition.chain(5, 3, 8)[:5] == [False, True, True, True, False]   # carries into bits 1-3


def test_the_cli_and_the_keys_know_addition(run_cli):
    assert list(TASKS)[5] == "addition"
    out = run_cli("--headless", "--task", "addition", "--steps", "50")
    assert out.returncode == 0, out.stderr
    assert "iter 50" in out.stdout
    bad = run_cli("--headless", "--task", "addition", "--seq-len", "5")
    assert bad.returncode == 2 and "--seq-len does not apply to --task addition: it is --bits long" in bad.stderr
    other = run_cli("--headless", "--task", "echo", "--bits", "4")
    assert other.returncode == 2 and "--bits only applies to --task subtraction or addition" in other.stderr


async def test_predictions_show_the_sum_and_its_carries():
    app = RnnApp(Trainer(Config(task="charlm", seed=1)), paused=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await worker_ready(pilot)
        await pilot.press("6")                                  # nothing trained: no second press
        await wait_until(pilot, lambda: app.snapshot.task == "addition", what="the addition task")
        await pilot.press("n")
        await wait_until(pilot, lambda: app.snapshot.iteration == 1, what="one step")
        await pilot.pause(0.3)
        text = str(app.query_one("#preds").content)
        a, b = app.snapshot.info["a"], app.snapshot.info["b"]
        # bits in time order, t=0 (the least significant) first, and the sum as written
        c = a + b
        assert f"a+b = {c:>3}  " + " ".join(str((c >> i) & 1) for i in range(8)) in text
        assert f"{c:08b} as written (MSB first)" in text
        assert "↑: a carry from bit t−1" in text
        marks = next(line for line in text.splitlines() if line.strip().startswith("carry"))
        carries = Addition.chain(a, b, 8)
        assert marks.split("carry", 1)[1].split()[:8] == ["↑" if c else "·" for c in carries]
        assert "Loss · ½ squared error summed over the 8 bits" == app.query_one("#panel-loss").border_title
