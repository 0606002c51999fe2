"""Autosaves: a run that has trained a minute or more is kept in the user's state
folder, so that a crash, a closed terminal or a forgotten ``s`` loses at most a few
minutes.

The folder is platformdirs' ``user_state_path("rnn-tui")`` (``$XDG_STATE_HOME/rnn-tui``
when that is set, else ``~/.local/state/rnn-tui`` on Linux); autosaves go in its
``autosave/`` folder, one checkpoint per run (named by task and run id, so a run
that goes on overwrites its own), written atomically like every checkpoint.  Only
the newest :data:`KEEP` runs are kept.  ``rnn-tui --resume`` continues the newest.
"""

from __future__ import annotations

import time
from pathlib import Path

KEEP = 5                 # runs kept
EVERY = 180.0            # seconds of wall time between autosaves of a run that trains
MIN_TRAINING = 60.0      # a run is worth keeping once it has trained this long


def state_dir() -> Path:
    """The user's state folder for rnn-tui (not created here)."""
    from platformdirs import user_state_path

    return Path(user_state_path("rnn-tui", appauthor=False))


def autosave_dir() -> Path:
    return state_dir() / "autosave"


def autosaves() -> list[Path]:
    """The autosaved runs, newest first."""
    folder = autosave_dir()
    try:
        files = [p for p in folder.glob("*.npz") if p.is_file()]
    except OSError:
        return []
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)


def newest() -> Path | None:
    found = autosaves()
    return found[0] if found else None


def path_for(trainer) -> Path:
    return autosave_dir() / f"{trainer.task.name}-{trainer.run_id}.npz"


def save(trainer) -> Path:
    """Write ``trainer`` to its autosave (atomically) and keep the newest :data:`KEEP` runs.
    A trainer whose weights went non-finite is rolled back first (to its last finite
    state, at most ``Trainer.BACKUP_EVERY`` iterations back): the run is kept, not its NaNs.

    Raises:
        OSError, CheckpointError: the folder cannot be made or written.
    """
    from rnn_tui.core import checkpoint

    if trainer.bad_param():
        # diverged, and the run ends here (a quit, a kill): keep it as z would leave it
        trainer.rollback()
    autosave_dir().mkdir(parents=True, exist_ok=True)
    written = checkpoint.save(trainer, path_for(trainer))
    for old in autosaves()[KEEP:]:
        old.unlink(missing_ok=True)
    return written


class Autosaver:
    """Decides when a run is autosaved: every :data:`EVERY` seconds once it has
    trained :data:`MIN_TRAINING` seconds, and when it ends (:meth:`final`)."""

    def __init__(self, enabled: bool = True, every: float = EVERY, min_training: float = MIN_TRAINING):
        self.enabled, self.every, self.min_training = enabled, every, min_training
        self._at = time.monotonic()
        self._iteration: dict[str, int] = {}    # run id -> iteration last saved
        self.last: Path | None = None           # the newest autosave written

    def _worth(self, trainer) -> bool:
        return (self.enabled and trainer.train_seconds >= self.min_training
                and self._iteration.get(trainer.run_id) != trainer.iteration)

    def due(self, trainer) -> bool:
        """Time for a periodic autosave of ``trainer``."""
        return self._worth(trainer) and time.monotonic() - self._at >= self.every

    def final(self, trainer) -> bool:
        """Whether ``trainer``, about to end (quit, replaced, killed), should be saved."""
        return self._worth(trainer)

    def save(self, trainer) -> Path:
        """Autosave now; see :func:`save` for what it raises."""
        path = save(trainer)
        self._at = time.monotonic()
        self._iteration[trainer.run_id] = trainer.iteration
        self.last = path
        return path
