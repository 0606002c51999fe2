"""When the training process is not (yet, or any more) there: what the app shows
of a run still being built, and what it restarts a run from after its process died.

A run is restarted from the newest state kept of the run as shown: its autosave,
the copy of its state the session sends the app every few seconds
(``StateCopy``), or the checkpoint it was loaded from or saved to, whichever is
further on; with none of them, from its start.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rnn_tui.core import autosave, checkpoint
from rnn_tui.core.config import Config
from rnn_tui.core.session import RunRecipe
from rnn_tui.core.views import Snapshot, placeholder_snapshot


def placeholder(recipe: RunRecipe) -> Snapshot:
    """The snapshot shown until the recipe's trainer sends its first one."""
    if recipe.load:
        cfg, meta = checkpoint.header(recipe.load)
        if recipe.text:
            cfg = dataclasses.replace(cfg, text=recipe.text)
        return placeholder_snapshot(dataclasses.asdict(cfg.resolved()), int(meta.get("iteration", 0)))
    return placeholder_snapshot(dataclasses.asdict(recipe.config.resolved()))


def same_branch(marks_now, marks_then, at: int) -> bool:
    """Whether a state saved at iteration ``at`` (with ``marks_then``) lies on the run
    shown now (``marks_now``): every mark made before ``at`` is in it (one at ``at``
    itself, such as "loaded …", was made on arriving there).  A checkpoint of the same
    run opened with ``o`` starts a branch that an autosave of the other one does not
    share, although the run is the same."""
    then = {(int(i), str(what)) for i, what in marks_then}
    return all((int(i), str(what)) in then for i, what in marks_now if int(i) < at)


def restart_plan(snap: Snapshot, state) -> tuple[str, int, RunRecipe]:
    """``(what, iteration, recipe)``: where the run of ``snap`` can go on from, given
    the newest ``StateCopy`` the app holds (or None), in words for the status line.
    Only a state on the branch shown counts (:func:`same_branch`)."""
    best = None
    if (state is not None and state.run_id == snap.run_id
            and same_branch(snap.marks, state.state["meta"].get("marks", []), state.iteration)):
        best = ("the app's backup", state.iteration, RunRecipe(config=Config(**state.config), state=state.state))
    saved = autosave.autosave_dir() / f"{snap.task}-{snap.run_id}.npz"
    try:
        meta = checkpoint.header(saved)[1] if saved.is_file() else {}
        it = int(meta.get("iteration", -1)) if same_branch(snap.marks, meta.get("marks", []),
                                                           int(meta.get("iteration", -1))) else -1
    except (checkpoint.CheckpointError, OSError, ValueError, TypeError):
        it = -1
    if it >= 0 and (best is None or it > best[1]):
        best = ("its autosave", it, RunRecipe(load=str(saved)))
    if snap.saved:                      # the checkpoint this run was loaded from, or last saved to
        path, at = snap.saved
        try:
            ok = Path(path).is_file() and int(checkpoint.header(path)[1].get("iteration", -1)) == int(at)
        except (checkpoint.CheckpointError, OSError, ValueError, TypeError):
            ok = False
        if ok and (best is None or int(at) > best[1]):
            best = (f"its checkpoint {Path(path).name}", int(at), RunRecipe(load=str(path), run_id=snap.run_id))
    if best is None:
        best = ("the start", 0, RunRecipe(config=Config(**dict(snap.config))))
    what, at, recipe = best
    lost = max(0, snap.iteration - at)
    where = what if at == 0 else f"{what} (it {at:,})"
    return f"{where}, losing {lost:,} iteration{'s' if lost != 1 else ''}", at, recipe
