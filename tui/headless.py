"""``rnn-tui --headless``: train without the UI, report progress and final metrics."""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

from rnn_tui.core import checkpoint
from rnn_tui.core.trainer import DivergenceError, Trainer
from rnn_tui.tui.terminal import say

SCALARS = ("iteration", "loss", "ema", "smooth_loss", "accuracy", "bit_accuracy",
           "recent_accuracy", "recent_bit_accuracy", "bpc", "mse", "grad_norm", "saturated", "lr")


def _row(m: dict) -> dict:
    return {k: m[k] for k in SCALARS if k in m}


def _num(x: float) -> str:
    """A loss for a progress line: 4 decimals, or 4 digits once it is huge (a diverging run)."""
    return f"{x:.4f}" if abs(x) < 1e6 else f"{x:.4g}"


def _summary(m: dict) -> str:
    parts = [f"iter {m['iteration']}", f"loss {_num(m['loss'])}", f"smoothed {_num(m['ema'])}"]
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
        parts.append(f"mse {_num(m['mse'])}")
    return ", ".join(parts)


def _error(text: str) -> None:
    print(f"rnn-tui: error: {text}", file=sys.stderr)


class _WriteError(Exception):
    """Writing one of the output files failed; the message names it."""


class Outputs:
    """The per-iteration files of a headless run: ``--csv``, ``--jsonl``, ``--record``."""

    def __init__(self, trainer: Trainer, csv_path: str | None, jsonl_path: str | None,
                 record: str | None, record_every: int):
        from rnn_tui.core.recording import Recorder

        self.paths = {"--csv": csv_path, "--jsonl": jsonl_path, "--record": record}
        self.fcsv, self.fjson = self._open(csv_path), self._open(jsonl_path)
        self.recorder = Recorder(trainer, record, record_every) if record else None
        self.writer = None

    @staticmethod
    def _open(path: str | None):
        if not path:
            return None
        p = Path(path)
        if p.parent and not p.parent.is_dir():
            raise OSError(f"folder {p.parent} does not exist")
        return open(p, "w", newline="", encoding="utf-8")

    def write(self, trainer: Trainer, m: dict) -> None:
        """One iteration's row in each file; :class:`_WriteError` names a file that fails."""
        row = _row(m)
        flag = "--csv"
        try:
            if self.fcsv:
                if self.writer is None:
                    self.writer = csv.DictWriter(self.fcsv, fieldnames=list(row))
                    self.writer.writeheader()
                self.writer.writerow(row)
            flag = "--jsonl"
            if self.fjson:
                self.fjson.write(json.dumps(dict(row, grad_norms=m["grad_norms"])) + "\n")
            flag = "--record"
            if self.recorder:
                self.recorder.after_step(trainer)
        except OSError as e:        # e.g. a full disk
            raise _WriteError(f"cannot write {flag} {self.paths[flag]}: {e.strerror or e}") from None

    def close(self, trainer: Trainer) -> int:
        """Close every file (the last buffered lines are written now); 1 if one fails."""
        status = 0
        for f, flag in ((self.fcsv, "--csv"), (self.fjson, "--jsonl")):
            if f:
                try:
                    f.close()
                except OSError as e:            # the last buffered lines (a full disk)
                    _error(f"cannot write {flag} {self.paths[flag]}: {e.strerror or e}")
                    status = 1
        if self.recorder:
            record = self.paths["--record"]
            try:
                self.recorder.close(trainer)
                say(f"recording written: {record} (play it with: rnn-tui replay {record})")
            except OSError as e:
                _error(f"cannot write --record {record}: {e.strerror or e}")
                status = 1
        return status


class Progress:
    """A progress bar on a terminal, else about twenty summary lines."""

    def __init__(self, task: str, steps: int):
        self.steps, self.every, self.printed = steps, max(1, steps // 20), -1
        self.bar = None
        if sys.stdout.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                           TimeRemainingColumn(), TextColumn("{task.fields[info]}"))
            self.task = self.bar.add_task(task, total=steps, info="")
            self.bar.start()

    def update(self, i: int, m: dict) -> None:
        if self.bar is not None:
            if i % 10 == 0 or i == self.steps - 1:
                self.bar.update(self.task, completed=i + 1, info=f"loss {_num(m['ema'])}")
        elif (i + 1) % self.every == 0 or i == self.steps - 1:
            say(_summary(m))
            self.printed = m["iteration"]

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class _Signal(Exception):
    """SIGTERM or SIGHUP arrived: stop, keep the run, exit with ``status``."""

    def __init__(self, status: int):
        self.status = status


def _on_signals():
    """SIGTERM and SIGHUP stop the loop cleanly (the run is then autosaved)."""
    import signal

    def stop(signum, frame):
        raise _Signal(128 + signum)

    return {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}


def _autosave(autosaver, trainer: Trainer, final: bool) -> None:
    from rnn_tui.core.checkpoint import CheckpointError

    if not (autosaver.final(trainer) if final else autosaver.due(trainer)):
        return
    try:
        autosaver.save(trainer)
    except (OSError, CheckpointError) as e:
        _error(f"autosave failed: {getattr(e, 'strerror', None) or e}")


def _train(trainer: Trainer, steps: int, outputs: Outputs, progress: Progress, autosaver) -> int:
    """The training loop; returns the exit status (0, 1 diverged or a file failed,
    130 interrupted, 143/129 stopped by SIGTERM/SIGHUP)."""
    from threadpoolctl import threadpool_limits

    try:
        with threadpool_limits(limits=1):
            for i in range(steps):
                m = trainer.step()
                outputs.write(trainer, m)
                progress.update(i, m)
                _autosave(autosaver, trainer, final=False)
    except DivergenceError as e:
        back = trainer.rollback()
        print(f"rnn-tui: training diverged: {e}; rolled back to iteration {back}", file=sys.stderr)
        return 1
    except _WriteError as e:
        _error(f"{e}; training stopped at iteration {trainer.iteration}")
        return 1
    except KeyboardInterrupt:
        print("rnn-tui: interrupted", file=sys.stderr)
        return 130
    except _Signal as e:
        print(f"rnn-tui: stopped by a signal at iteration {trainer.iteration}", file=sys.stderr)
        return e.status
    return 0


def _save(trainer: Trainer, save: str) -> int:
    """The ``--save`` checkpoint; if it cannot be written (the disk filled up while
    training), the run goes to the user's state folder instead and the status is 1."""
    from rnn_tui.core.autosave import state_dir

    try:
        say(f"checkpoint saved: {checkpoint.save(trainer, save)}")
        return 0
    except (OSError, checkpoint.CheckpointError) as e:
        why = getattr(e, "strerror", None) or str(e)
    fallback = state_dir() / "saves" / Path(save).name
    try:
        fallback.parent.mkdir(parents=True, exist_ok=True)
        written = checkpoint.save(trainer, fallback)
    except (OSError, checkpoint.CheckpointError) as e:
        _error(f"cannot save checkpoint {save}: {why}; nor to {fallback}: {getattr(e, 'strerror', None) or e}")
        return 1
    _error(f"cannot save checkpoint {save}: {why}; saved it to {written} instead")
    return 1


def run(trainer: Trainer, steps: int, csv_path: str | None = None,
        jsonl_path: str | None = None, save: str | None = None,
        record: str | None = None, record_every: int = 10, autosave: bool = True) -> int:
    """Train ``steps`` iterations; returns the process exit status.  The outputs were
    checked before (``tui.cli.check_output``): a folder that cannot take them is
    found out then, not after the training."""
    import signal

    from rnn_tui.core.autosave import Autosaver
    from rnn_tui.core.heap import keep_freed_memory

    keep_freed_memory()
    try:
        outputs = Outputs(trainer, csv_path, jsonl_path, record, record_every)
    except OSError as e:
        _error(f"cannot write output file: {e}")
        return 2
    start_it, t0 = trainer.iteration, time.perf_counter()
    progress = Progress(trainer.config.task, steps)
    autosaver = Autosaver(enabled=autosave and not save)    # a run saved with --save needs none
    previous = _on_signals()
    try:
        status = _train(trainer, steps, outputs, progress, autosaver)
    finally:
        progress.stop()
        closed = outputs.close(trainer)
        _autosave(autosaver, trainer, final=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    status = status or closed
    dt = time.perf_counter() - t0
    done = trainer.iteration - start_it
    m = trainer.metrics                         # after a rollback: the iteration restored
    if m and progress.printed != m["iteration"]:
        say(_summary(m))
    say(f"{done} iteration{'s' if done != 1 else ''} in {dt:.1f} s ({done / max(dt, 1e-9):.0f} it/s)")
    if trainer.last is not None and trainer.sample_text:
        say("sample:", trainer.resample())
    if autosaver.last is not None:
        say(f"autosaved: {autosaver.last} (rnn-tui --resume continues it)")
    if save:
        status = _save(trainer, save) or status
    return status
