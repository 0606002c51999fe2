"""What goes between a training session and the UI that drives it: commands in,
updates out.  Plain frozen dataclasses, so they pickle across a process boundary.

A UI sends commands (:class:`Pause`, :class:`Step`, :class:`Bptt`…) to a
:class:`~rnn_tui.core.session.Session`, or to the app's replay player; the session
publishes :class:`Update` s: the newest snapshot with its state, an :class:`Event`
to say once, or a gradient check's progress.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---- commands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Quit:
    """Stop the session."""


@dataclass(frozen=True)
class Pause:
    """Stop training (the session keeps answering commands)."""


@dataclass(frozen=True)
class Resume:
    """Train again (not during a step-through, which holds one prepared example)."""


@dataclass(frozen=True)
class Step:
    """Train exactly ``n`` iterations, then stay paused."""

    n: int = 1


@dataclass(frozen=True)
class Resample:
    """Draw a new text sample (language models)."""


@dataclass(frozen=True)
class Temperature:
    """Change the sampling temperature by ``delta`` and resample."""

    delta: float


@dataclass(frozen=True)
class ScaleLr:
    """Multiply the learning rate by ``factor``."""

    factor: float


@dataclass(frozen=True)
class Save:
    """Write a checkpoint to ``path`` (None: a name made of the task and iteration, in
    ``folder``, or the current folder)."""

    path: str | None = None
    folder: str | None = None


@dataclass(frozen=True)
class Load:
    """Replace the run with the one saved in checkpoint ``path``."""

    path: str


@dataclass(frozen=True)
class SwitchTask:
    """Replace the run with a fresh one of task ``name``."""

    name: str


@dataclass(frozen=True)
class Reset:
    """Replace the run with a fresh one of the same settings."""


@dataclass(frozen=True)
class ChangeSettings:
    """Change settings a run can change as it goes (``lr``, ``clip_mode``, ``clip``,
    ``temperature``, ``sample_every``), from the next step; the loss curve gets a mark."""

    changes: dict


@dataclass(frozen=True)
class NewRun:
    """Replace the run with a fresh one of these settings (a ``Config`` as a dict)."""

    config: dict


@dataclass(frozen=True)
class ResumeRun:
    """Make an earlier run of this session current again, exactly where it stopped."""

    run: "RunRecord"


@dataclass(frozen=True)
class Rollback:
    """After a divergence: go back to the last backup."""


BPTT_MOVES = ("begin", "back", "undo", "none", "all", "apply", "discard")


@dataclass(frozen=True)
class Bptt:
    """The BPTT step-through.  ``move``:

    * ``begin`` — prepare the next example (or go backward on the one the forward
      step-through shows);
    * ``back`` — process one more timestep, one step further back in time;
    * ``undo`` — take the last processed timestep back;
    * ``none`` / ``all`` — no timestep processed / all of them;
    * ``apply`` — finish the iteration: exactly the update training would make;
    * ``discard`` — forget the example, nothing changes.
    """

    move: str

    def __post_init__(self):
        if self.move not in BPTT_MOVES:
            raise ValueError(f"unknown BPTT move {self.move!r}; one of {', '.join(BPTT_MOVES)}")


FORWARD_MOVES = ("begin", "next", "prev", "none", "all", "discard")


@dataclass(frozen=True)
class Forward:
    """The forward step-through.  ``move``: ``begin``, ``next`` (reveal one more
    timestep), ``prev``, ``none`` / ``all`` (reveal no timestep / all), ``discard``."""

    move: str

    def __post_init__(self):
        if self.move not in FORWARD_MOVES:
            raise ValueError(f"unknown forward move {self.move!r}; one of {', '.join(FORWARD_MOVES)}")


@dataclass(frozen=True)
class Gradcheck:
    """Check BPTT against centred differences, ``entries`` per parameter."""

    entries: int = 8


@dataclass(frozen=True)
class GradcheckCancel:
    """Stop a gradient check that is running (its screen was closed)."""


@dataclass(frozen=True)
class Neurons:
    """Compute the neuron view's report (character models)."""


@dataclass(frozen=True)
class Probe:
    """Run the network, without training, on an input of one's own: ``text`` as the
    task's ``probe_hint`` says (a text, two numbers, a bit string).  Training pauses
    while the probe is shown; the step-throughs work on the probed example."""

    text: str


@dataclass(frozen=True)
class LeaveProbe:
    """Forget the probed example; training goes on as if it had never been probed."""


@dataclass(frozen=True)
class Views:
    """Which figures the UI shows beyond the snapshot: ``weights`` (the weights
    panel, of layer ``layer``) is computed only while it is on screen; a language
    model's sample is drawn for a snapshot only while ``text`` (its panel) is."""

    weights: bool = False
    layer: int = 0
    text: bool = True


@dataclass(frozen=True)
class Seek:
    """Replay: move ``delta`` frames."""

    delta: int


@dataclass(frozen=True)
class SeekTo:
    """Replay: go to frame ``index``."""

    index: int


@dataclass(frozen=True)
class Speed:
    """Replay: play ``factor`` times faster."""

    factor: float


# ---- updates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Something the status line should say once.

    ``kind`` is ``"saved"``, ``"autosaved"``, ``"info"``, ``"error"``, ``"diverged"``,
    ``"failed"`` (the run could not be built) or ``"died"`` (the training process is gone).
    """

    kind: str
    text: str


@dataclass(frozen=True)
class GradcheckProgress:
    """Progress and, when ``done``, results of a gradient check on the live model."""

    done: bool
    checked: int
    total: int
    results: tuple = ()
    tolerance: float = 1e-7
    error: str = ""


@dataclass(frozen=True)
class StateCopy:
    """A copy of a run's full state, kept by the UI so that a training process that
    dies can be restarted from it: the run's settings (``config``, a dict) and its
    :meth:`~rnn_tui.core.trainer.Trainer.state_dict`."""

    iteration: int
    run_id: str
    config: dict
    state: dict


@dataclass(frozen=True)
class RunRecord:
    """A run the session has put aside (a task switch, a reset, a new run): its
    settings, figures and loss history for the runs list and the loss plot, and its
    full state, so that it can go on exactly where it stopped."""

    run_id: str
    task: str
    config: dict
    iteration: int
    train_seconds: float
    metrics: dict
    history: tuple
    marks: tuple
    state: dict


@dataclass(frozen=True)
class Loading:
    """How far building the run has come (a large corpus takes seconds to read)."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class Update:
    """What the session publishes: the newest snapshot and its state, or an event."""

    snapshot: object | None = None
    running: bool = False
    rate: float = 0.0
    warning: str = ""
    bptt: object | None = None
    forward: object | None = None
    event: Event | None = None
    gradcheck: object | None = None
    neurons: object | None = None
    replay: tuple | None = None        # (frame index, frames, speed, truncated) when replaying
    state: StateCopy | None = None
    loading: Loading | None = None
    run: RunRecord | None = None       # a run put aside (kept by the UI in its runs list)
    probe: object | None = None        # a ProbeView while a probe is shown (or its refusal)
    dynamics: object | None = None     # a DynamicsView while the weights panel is on screen
