"""``rnn-tui --headless``: train without the UI, report progress and final metrics."""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from pathlib import Path

from rnn_tui.core import checkpoint
from rnn_tui.core.trainer import DivergenceError, Trainer

SCALARS = ("iteration", "loss", "ema", "smooth_loss", "accuracy", "bit_accuracy",
           "recent_accuracy", "recent_bit_accuracy", "bpc", "mse", "grad_norm", "saturated", "lr")


def _row(m: dict) -> dict:
    return {k: m[k] for k in SCALARS if k in m}


def _summary(m: dict) -> str:
    parts = [f"iter {m['iteration']}", f"loss {m['loss']:.4f}", f"smoothed {m['ema']:.4f}"]
    # one iteration's accuracy is one example's at B = 1 (0% or 100%): show the
    # recent iterations' mean, as the app does
    if "recent_accuracy" in m:
        parts.append(f"accuracy {m['recent_accuracy']:.1%}")
    if "recent_bit_accuracy" in m:
        parts.append(f"bit accuracy {m['recent_bit_accuracy']:.1%}")
    if "recent_n" in m:
        n = m["recent_n"]
        parts[-1] += f" (last {n} iteration{'s' if n != 1 else ''})"
    if "bpc" in m:
        parts.append(f"bpc {m['bpc']:.3f}")
    if "mse" in m:
        parts.append(f"mse {m['mse']:.4f}")
    return ", ".join(parts)


def _say(*text) -> None:
    """Print a progress line; once stdout is gone (``| head``), keep training quietly."""
    try:
        print(*text, flush=True)
    except BrokenPipeError:
        # Point stdout at /dev/null so neither later lines nor the exit flush fail
        # again: the files the user asked for (--csv, --save, ...) are still written.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class _WriteError(Exception):
    """Writing one of the output files failed; the message names it."""


def _open_out(path: str | None):
    if not path:
        return None
    p = Path(path)
    if p.parent and not p.parent.is_dir():
        raise OSError(f"folder {p.parent} does not exist")
    return open(p, "w", newline="", encoding="utf-8")


def run(trainer: Trainer, steps: int, csv_path: str | None = None,
        jsonl_path: str | None = None, save: str | None = None,
        record: str | None = None, record_every: int = 10) -> int:
    """Train ``steps`` iterations; returns the process exit status."""
    from threadpoolctl import threadpool_limits

    from rnn_tui.core.heap import keep_freed_memory
    from rnn_tui.core.recording import Recorder

    for path, what in ((save, "save checkpoint"), (record, "write recording")):
        if path and not Path(path).parent.is_dir():     # found out now, not after the training
            print(f"rnn-tui: error: cannot {what}: folder {Path(path).parent} does not exist",
                  file=sys.stderr)
            return 2
    keep_freed_memory()
    try:
        fcsv, fjson = _open_out(csv_path), _open_out(jsonl_path)
        recorder = Recorder(trainer, record, record_every) if record else None
    except OSError as e:
        print(f"rnn-tui: error: cannot write output file: {e}", file=sys.stderr)
        return 2
    writer = None
    status, m = 0, trainer.metrics
    printed = -1                                # iteration of the last progress line
    start_it, t0 = trainer.iteration, time.perf_counter()
    tty = sys.stdout.isatty()
    every = max(1, steps // 20)
    progress = None
    if tty:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), TextColumn("{task.fields[info]}"))
        bar = progress.add_task(trainer.config.task, total=steps, info="")
        progress.start()
    try:
        with threadpool_limits(limits=1):
            for i in range(steps):
                m = trainer.step()
                row = _row(m)
                flag, path = "--csv", csv_path
                try:
                    if fcsv:
                        if writer is None:
                            writer = csv.DictWriter(fcsv, fieldnames=list(row))
                            writer.writeheader()
                        writer.writerow(row)
                    flag, path = "--jsonl", jsonl_path
                    if fjson:
                        fjson.write(json.dumps(dict(row, grad_norms=m["grad_norms"])) + "\n")
                    flag, path = "--record", record
                    if recorder:
                        recorder.after_step(trainer)
                except OSError as e:        # e.g. a full disk
                    raise _WriteError(f"cannot write {flag} {path}: {e.strerror or e}") from None
                if progress is not None:
                    if i % 10 == 0 or i == steps - 1:
                        progress.update(bar, completed=i + 1, info=f"loss {m['ema']:.4f}")
                elif (i + 1) % every == 0 or i == steps - 1:
                    _say(_summary(m))
                    printed = trainer.iteration
    except DivergenceError as e:
        back = trainer.rollback()
        m = trainer.metrics                     # the figures of the iteration restored
        print(f"rnn-tui: training diverged: {e}; rolled back to iteration {back}", file=sys.stderr)
        status = 1
    except _WriteError as e:
        print(f"rnn-tui: error: {e}; training stopped at iteration {trainer.iteration}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print("rnn-tui: interrupted", file=sys.stderr)
        status = 130
    finally:
        if progress is not None:
            progress.stop()
        for f, path, flag in ((fcsv, csv_path, "--csv"), (fjson, jsonl_path, "--jsonl")):
            if f:
                try:
                    f.close()
                except OSError as e:            # the last buffered lines (a full disk)
                    print(f"rnn-tui: error: cannot write {flag} {path}: {e.strerror or e}",
                          file=sys.stderr)
                    status = status or 1
        if recorder:
            try:
                recorder.close(trainer)
                _say(f"recording written: {record} (play it with: rnn-tui replay {record})")
            except OSError as e:
                print(f"rnn-tui: error: cannot write --record {record}: {e.strerror or e}",
                      file=sys.stderr)
                status = status or 1
    dt = time.perf_counter() - t0
    done = trainer.iteration - start_it
    if m and printed != m["iteration"]:
        _say(_summary(m))
    _say(f"{done} iteration{'s' if done != 1 else ''} in {dt:.1f} s ({done / max(dt, 1e-9):.0f} it/s)")
    if trainer.last is not None and trainer.sample_text:
        _say("sample:", trainer.resample())
    if save:
        try:
            path = checkpoint.save(trainer, save)
            _say(f"checkpoint saved: {path}")
        except checkpoint.CheckpointError as e:
            print(f"rnn-tui: error: {e}", file=sys.stderr)
            return 2
        except OSError as e:
            print(f"rnn-tui: error: cannot save checkpoint: {e.strerror or e}", file=sys.stderr)
            return 2
    return status
