"""Writing a run's metrics as CSV (shared by the app's ``e`` key and tests)."""

from __future__ import annotations

import csv
from pathlib import Path


def write_metrics_csv(path: Path, snapshot) -> Path:
    """The loss history of ``snapshot`` (one row per stored point) and, as comments
    at the top, the run's settings and latest metrics."""
    it, raw, ema, lo, hi = snapshot.history
    tmp = path.with_name(path.name + ".tmp")
    try:
        _write(tmp, snapshot, it, raw, ema, lo, hi)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)              # a full disk leaves nothing half-written behind
        raise
    return path


def _write(tmp: Path, snapshot, it, raw, ema, lo, hi) -> None:
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        f.write(f"# rnn-tui metrics: task {snapshot.task}, iteration {snapshot.iteration}\n")
        f.write("# config: " + ", ".join(f"{k}={v}" for k, v in snapshot.config.items()) + "\n")
        scalars = {k: v for k, v in snapshot.metrics.items() if isinstance(v, (int, float))}
        f.write("# latest: " + (", ".join(f"{k}={v:.6g}" for k, v in scalars.items())
                                or "(no iteration since the run was loaded)") + "\n")
        f.write("# each row: the mean raw loss of the iterations up to `iteration`, the\n"
                "# smoothed (bias-corrected moving average) loss at that iteration, and the\n"
                "# lowest and highest raw loss among those iterations\n")
        w = csv.writer(f)
        w.writerow(["iteration", "loss", "smoothed_loss", "loss_min", "loss_max"])
        for i, r, e, a, b in zip(it, raw, ema, lo, hi, strict=True):
            w.writerow([int(i), f"{r:.8g}", f"{e:.8g}", f"{a:.8g}", f"{b:.8g}"])
