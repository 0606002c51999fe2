"""What ``rnn-tui check`` found, as data a view can show: :class:`CheckReport`.

Every value is plain data (numbers, strings, NumPy arrays); :meth:`CheckReport.to_json`
is the ``--json`` output and :func:`format_text` the ``--headless`` one.  Arrays are
in rnn-tui's layout whatever the contract: one timestep's quantity is ``(B, X)``
(``B = 1`` for a min-char-rnn ``lossFun``).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field

import numpy as np

PASS, FAIL, SKIP, ERROR = "pass", "fail", "skip", "error"


@dataclass
class ParamError:
    """One parameter's gradient against the reference.

    Attributes:
        name: rnn-tui's parameter name (``Wxh``; the user's value is ``dWxh``).
        shape: its shape in rnn-tui's layout.
        max_rel: the largest relative error ``|a − b| / max(|a| + |b|, floor)`` over
            its entries (``floor`` is 1e-6 of the largest entry, so entries at
            rounding level do not count).
        passed: ``max_rel`` within the check's tolerance.
        worst: index of the entry with ``max_rel`` (None when it passed).
        yours, reference: the two values at ``worst``.
    """

    name: str
    shape: tuple
    max_rel: float
    passed: bool
    worst: tuple | None = None
    yours: float | None = None
    reference: float | None = None


@dataclass
class CheckRow:
    """One line of the report table.

    Attributes:
        key: ``forward``, ``gradients``, ``repeat``, ``large``, ``consistency``,
            ``lengths`` or ``trace``.
        number: the check's number in issue 16's list (``"2"``, ``"2b"`` …).
        title: what was compared.
        status: :data:`PASS`, :data:`FAIL`, :data:`SKIP` or :data:`ERROR`.
        summary: one line of what it found.
        params: per-parameter errors, where the check has them.
        value: the check's headline number (the shortest failing length, …).
    """

    key: str
    number: str
    title: str
    status: str
    summary: str
    params: list[ParamError] = field(default_factory=list)
    value: float | int | None = None


@dataclass
class TraceValue:
    """One traced quantity at one pass of the user's backward loop.

    Attributes:
        t, layer: the timestep and layer of the pass.
        quantity: min-char-rnn's name (``dy``, ``dh``, ``dhraw``, ``dhnext``).
        yours: the user's value in rnn-tui's layout ``(B, X)``; None when it could
            not be put in that layout (``note`` says why).
        reference: rnn-tui's BPTT stepper's value at the same timestep, ``(B, X)``.
        max_abs: ``max |yours − reference|``.
        rel: ``max_abs / max(max|yours|, max|reference|)``.
        ok: ``rel`` within the check's tolerance.
    """

    t: int
    layer: int
    quantity: str
    yours: np.ndarray | None
    reference: np.ndarray
    max_abs: float
    rel: float
    ok: bool
    note: str = ""

    @property
    def difference(self) -> np.ndarray | None:
        return None if self.yours is None else self.yours - self.reference


@dataclass
class Trace:
    """Check 5: the user's backward loop, pass by pass, against the reference stepper.

    Attributes:
        status: pass, fail or skip.
        names: min-char-rnn name -> the user's local name that was traced.
        found: the quantities the trace found in the user's loop.
        function: the user's function the loop was in.
        visited: the timesteps the loop visited, in its order.
        values: every traced value, in processing order (t from T−1 down; within a
            pass dy, dh, dhraw, dhnext).
        first_mismatch: the first of ``values`` that is not ok, or None.
        note: why it was skipped, or what else it noticed.
        T: the example's length.
        runs_forward: the loop went up in time (t = 0, 1, …), not down from T − 1.
        tname: the user's name for the timestep (``--names t=…``).
    """

    status: str
    names: dict
    found: list[str] = field(default_factory=list)
    function: str = ""
    visited: list[int] = field(default_factory=list)
    values: list[TraceValue] = field(default_factory=list)
    first_mismatch: TraceValue | None = None
    note: str = ""
    T: int = 0
    runs_forward: bool = False
    tname: str = "t"

    @property
    def missing(self) -> list[int]:
        """Timesteps the user's backward loop never processed (when it was traced)."""
        if not self.values or self.runs_forward:
            return []
        T = max(max(self.visited, default=0) + 1, self.T)
        return sorted(set(range(T)) - set(self.visited))

    def at(self, t: int, layer: int = 0) -> list[TraceValue]:
        """The values of one pass (what a step-through view shows at timestep ``t``)."""
        return [v for v in self.values if v.t == t and v.layer == layer]


def entries_from(worst: int, n: int, size: int) -> int:
    """Where ``n`` entries of ``size`` to show start: at 0, or (when the entry that
    differs most, ``worst``, is past the first ``n``) around it."""
    return 0 if worst < n else min(worst - n // 2, size - n)


def shown_timesteps(ts: list[int]) -> str:
    """The first few of ``ts``, comma separated (``0, 1, 2, 3, 4 …``)."""
    return ", ".join(str(t) for t in ts[:5]) + (" …" if len(ts) > 5 else "")


@dataclass
class Finding:
    """One diagnosed mistake.

    Attributes:
        mistake: its id (a key of :data:`core.usercheck.variants.MISTAKES`, or
            ``forward``, ``first_difference``, ``sums``, ``not_independent``,
            ``scaled``, ``ignores_weights`` for what the evidence shows without a
            named mistake).
        title: one line naming it.
        hint: one line: what to write instead.
        evidence: the observations it rests on.
        exact: True when a variant of BPTT with this mistake reproduces the user's
            values (and every traced one) to rounding; False when it is where the
            evidence points.
    """

    mistake: str
    title: str
    hint: str
    evidence: list[str] = field(default_factory=list)
    exact: bool = False


@dataclass
class Failure:
    """The user's code did not get through the check.

    Attributes:
        kind: ``exception``, ``timeout``, ``exit``, ``died``, ``return`` (wrong
            arity, type or shape) or ``internal``.
        stage: what rnn-tui was doing (``import``, ``gradients``, ``trace`` …).
        message: one line for the user.
        traceback: the frames of the user's file, formatted, oldest first.
        summary: the exception's own last line.
    """

    kind: str
    stage: str
    message: str
    traceback: list[str] = field(default_factory=list)
    summary: str = ""
    hint: str = ""
    """What rnn-tui called it with, when the settings may be what the file does not expect."""


@dataclass
class Output:
    """What the user's code printed (kept, never shown over a screen).

    ``stdout``/``stderr`` hold the start and the end when it was long; the byte
    and line counts are of everything.
    """

    stdout: str = ""
    stderr: str = ""
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    stdout_lines: int = 0
    stderr_lines: int = 0
    truncated: bool = False


@dataclass
class Setup:
    """What the check ran on.

    Attributes:
        contract: ``lossFun`` (min-char-rnn style) or ``loss_and_grads``.
        function: the user's function name.
        task, hidden, layers, batch, seq_len, seed, activation, head: the network
            and data (``task`` is ``charlm`` for the min-char-rnn contract).
        input_size, output_size: D (or V) and V.
        shapes: parameter name -> shape in rnn-tui's layout.
        user_shapes: what the user's function receives, name -> shape (strings).
        where_sizes: where H and V came from (the file's globals or defaults).
    """

    contract: str
    function: str
    task: str
    hidden: int
    input_size: int
    output_size: int
    layers: int
    batch: int
    seq_len: int
    seed: int
    activation: str
    head: str
    shapes: dict
    user_shapes: dict
    where_sizes: str = ""


@dataclass
class CheckReport:
    """Everything ``rnn-tui check`` found about one file.

    Attributes:
        file: the checked file as given.
        setup: what it ran on (None if the file could not be imported).
        rows: the checks, in order.
        trace: check 5 in full (None until it ran).
        diagnosis: the mistakes found, most certain first.
        failure: set when the user's code did not get through.
        output: what the user's code printed.
        notes: other observations (a function that changes its globals, float32 …).
        seconds: how long the check took.
    """

    file: str
    setup: Setup | None = None
    rows: list[CheckRow] = field(default_factory=list)
    trace: Trace | None = None
    diagnosis: list[Finding] = field(default_factory=list)
    failure: Failure | None = None
    output: Output = field(default_factory=Output)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """True when the user's code got through and no check failed."""
        return (self.failure is None and bool(self.rows)
                and all(r.status in (PASS, SKIP) for r in self.rows))

    def row(self, key: str) -> CheckRow | None:
        return next((r for r in self.rows if r.key == key), None)

    @property
    def pass_line(self) -> str:
        """What a pass says: that the BPTT agrees, and what this check could not see."""
        traced = self.trace is not None and self.trace.status == PASS
        line = ("your BPTT agrees with rnn-tui's at every timestep" if traced else
                "your gradients agree with rnn-tui's (the timestep-by-timestep trace did not run: see check 5)")
        return line + "".join(f"; {c}" for c in self.caveats) + "."

    @property
    def caveats(self) -> list[str]:
        """Mistakes this run's sizes cannot show (a pass at length 1 or batch 1)."""
        s, out = self.setup, []
        if s is None:
            return out
        if s.seq_len == 1:
            out.append("with one timestep nothing flows back through time (dhnext): run it again with "
                       "--seq-len 2 or more")
        if s.contract == "loss_and_grads" and s.batch == 1:
            out.append("with a batch of 1 the mean over the batch cannot be told from a sum: --batch 4 checks it")
        return out

    def to_dict(self) -> dict:
        """Plain data: every field, plus ``passed`` and each traced value's ``difference``."""
        d = dataclasses.asdict(self)
        if self.trace is not None:
            for tv, out in zip(self.trace.values, d["trace"]["values"], strict=True):
                out["difference"] = tv.difference
            if self.trace.first_mismatch is not None:
                d["trace"]["first_mismatch"]["difference"] = self.trace.first_mismatch.difference
        d = _plain(d)
        d["passed"] = self.passed
        d["caveats"] = self.caveats
        return d

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON (``--json``): arrays as nested lists, NaN and ±inf as null."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def to_text(self) -> str:
        return format_text(self)


def _plain(o):
    if isinstance(o, dict):
        return {str(k): _plain(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_plain(v) for v in o]
    if isinstance(o, np.ndarray):
        return _plain(o.tolist())
    if isinstance(o, np.generic):
        return _plain(o.item())
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


# ---- the text report ----------------------------------------------------------------------


ROUNDING = 1e-12
"""Relative differences below this are float64 rounding: shown as "<1e-12", not as
digits that change with the NumPy build and the BLAS (a correct BPTT gives 1e-16 … 1e-13)."""
NUMERIC = 1e-8
"""Centred differences in float64 are good to about this (their truncation and
rounding, which moves with the NumPy build): a gradient that agrees with them closer
is shown as "<1e-8"."""


def rel(v: float | None, digits: int = 1, floor: float = ROUNDING) -> str:
    """A relative difference for people: ``3.2e-05``, or ``<1e-12`` below ``floor``."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "nan"
    if math.isinf(v):
        return "inf"
    if 0 <= v < floor:
        m, _, x = f"{floor:.0e}".partition("e")
        return f"<{m}e{int(x)}"
    return f"{v:.{digits}e}"


_e = rel


def _vec(a: np.ndarray | None, n: int = 6, start: int = 0) -> str:
    """``[e0 e1 … ]``: ``n`` entries from ``start`` (``[… e8 e9 … ]`` when not 0)."""
    if a is None:
        return "—"
    flat = np.ravel(a)
    body = " ".join(f"{v:+.4f}" for v in flat[start:start + n])
    return f"[{'… ' if start else ''}{body}{' …' if flat.size > start + n else ''}]"


def format_text(r: CheckReport, width: int = 100) -> str:
    """The readable report ``--headless`` prints: the table of checks, the first
    mismatch, the diagnosis with its hint, and what the user's code printed."""
    out = _heading_lines(r) + _table_lines(r) + _mismatch_lines(r)
    if r.failure is not None:
        out += _failure_lines(r.failure)
    out += _diagnosis_lines(r)
    out += [f"  note: {n}" for n in r.notes]
    out += _printed_lines(r.output, width)
    verdict = "PASS" if r.passed else "FAIL"
    out += ["", f"{verdict} ({r.seconds:.2f} s)"]
    return "\n".join(out)


def _heading_lines(r: CheckReport) -> list[str]:
    """The file and function checked, and the network and data it ran on."""
    s = r.setup
    head = f"rnn-tui check {r.file}"
    if s is None:
        return [head]
    kind = "min-char-rnn style" if s.contract == "lossFun" else f"task {s.task}"
    net = (f"on rnn-tui's weights and examples: H {s.hidden}, "
           + (f"V {s.output_size}" if s.contract == "lossFun" else
              f"D {s.input_size}, V {s.output_size}, layers {s.layers}, batch {s.batch}")
           + f", T {s.seq_len}, {s.activation}, seed {s.seed}, float64")
    return [head + f" — {s.function} ({kind})", net + (f" ({s.where_sizes})" if s.where_sizes else "")]


def _table_lines(r: CheckReport) -> list[str]:
    """One line per check, then the per-parameter errors when the gradients failed."""
    if not r.rows:
        return []
    out = [""]
    w = max(len(x.title) for x in r.rows) + 2
    for x in r.rows:
        mark = {PASS: "pass", FAIL: "FAIL", SKIP: "skip", ERROR: "ERROR"}[x.status]
        out.append(f"  {x.number:<3}{x.title:<{w}}{mark:<6} {x.summary}")
    return out + _param_lines(r.row("gradients"), r.row("consistency"))


def _param_lines(grad: CheckRow | None, cons: CheckRow | None) -> list[str]:
    """Each parameter's largest relative error against rnn-tui's BPTT (check 2) and,
    where check 3 ran, against the user's own loss."""
    if grad is None or not grad.params or grad.status != FAIL:
        return []
    out = ["", "  max. relative error per parameter   vs rnn-tui's BPTT"
           + ("   your gradient vs your loss" if cons and cons.params else "")]
    cmap = {p.name: p for p in (cons.params if cons else [])}
    for p in grad.params:
        c = cmap.get(p.name)
        shape = "(" + ", ".join(str(n) for n in p.shape) + ("," if len(p.shape) == 1 else "") + ")"
        line = f"    d{p.name:<6}{shape:<14}{_e(p.max_rel):>14} {'ok' if p.passed else 'FAIL':<6}"
        if c is not None:
            line += f"{rel(c.max_rel, floor=NUMERIC):>17} {'ok' if c.passed else 'FAIL'}"
        out.append(line)
    return out


def _mismatch_lines(r: CheckReport) -> list[str]:
    """The trace's first mismatch: where, by how much, and the two values side by side."""
    tr = r.trace
    if tr is None or tr.first_mismatch is None:
        return []
    v = tr.first_mismatch
    layer = f", layer {v.layer}" if r.setup is not None and r.setup.layers > 1 else ""
    out = ["", f"  first mismatch: {v.quantity} at t = {v.t}{layer} "
               f"(max |difference| {_e(v.max_abs)}, relative {_e(v.rel)})"]
    if v.yours is None:
        return out + [f"    {v.note}"]
    # the first entries, or (when the largest difference is past them) the ones around it
    n, size, worst = 6, np.size(v.difference), int(np.argmax(np.abs(np.ravel(v.difference))))
    start = entries_from(worst, n, size)
    return out + [f"    yours      {_vec(v.yours, n, start)}", f"    reference  {_vec(v.reference, n, start)}",
                  f"    difference {_vec(v.difference, n, start)}"] + (
        [f"    (entries {start}–{start + n - 1} of {size}, around the largest difference, entry {worst})"]
        if start else [])


def _failure_lines(f: Failure) -> list[str]:
    """What stopped the user's code, with the frames of their file."""
    out = ["", f"  {f.message}"] + [f"    {line}" for line in f.traceback]
    if f.summary and f.summary not in f.message:
        out.append(f"    {f.summary}")
    if f.hint:
        out.append(f"  hint: {f.hint}")
    return out


def _diagnosis_lines(r: CheckReport) -> list[str]:
    """Each finding with its hint and evidence, or the line that says all checks pass."""
    if r.diagnosis:
        out = ["", "  diagnosis:"]
        for d in r.diagnosis:
            out.append(f"    {d.title}" + ("" if d.exact else " (where the evidence points)"))
            out.append(f"      hint: {d.hint}")
            out += [f"      · {ev}" for ev in d.evidence]
        return out
    if r.passed:
        return ["", f"  all checks pass: {r.pass_line}"]
    return []


def _printed_lines(o: Output, width: int) -> list[str]:
    """What the user's code printed to stdout and stderr: the start and the end when long."""
    out: list[str] = []
    for name, text, nbytes, nlines in (("stdout", o.stdout, o.stdout_bytes, o.stdout_lines),
                                       ("stderr", o.stderr, o.stderr_bytes, o.stderr_lines)):
        if not nbytes:
            continue
        keep = text.splitlines()
        shown = keep[:5] + (["…"] + keep[-3:] if len(keep) > 8 else keep[5:8])
        out.append("")
        out.append(f"  your file printed {nlines:,} line{'s' if nlines != 1 else ''} "
                   f"({nbytes:,} bytes) to {name}" + ("; the first and last of it:" if len(keep) > 8 else ":"))
        out += [f"    | {line[:width - 6]}" for line in shown]
    return out
