"""``rnn-tui check FILE``: checks 1–6 of a learner's own BPTT, run on rnn-tui's weights.

:func:`run_check` imports the file in a child process (:mod:`.runner`), picks the
contract from the function's arguments (:mod:`.contracts`), and calls it on
rnn-tui's weights and examples in float64:

1. **forward** — the user's loss and ``h_last`` against :func:`core.model.forward`;
2. **gradients** — every gradient against :class:`core.model.BPTT`, max relative
   error per parameter, pass at 1e-7; (2b) the same call again gives the same
   values; (2c) the same on an example whose gradients are large, unclipped;
3. **consistency** — centred differences of *their* loss against *their* gradient;
4. **lengths** — the gradient check on the first 1, 2, 3 … timesteps: the shortest
   length that fails and the parameters failing there;
5. **trace** — their backward loop traced, pass by pass, against the BPTT
   stepper (:mod:`.trace`);
6. **diagnosis** — the classic mistake that reproduces all of it (:mod:`.diagnose`).

The calls run in this order: main, repeat, trace, large, consistency, lengths; a
function found to accumulate is from then on judged by each call's own share.
"""

from __future__ import annotations

import io
import math
import os
import time
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnn_tui.core import gradcheck
from rnn_tui.core.config import Config, ConfigError
from rnn_tui.core.model import Spec, forward
from rnn_tui.core.usercheck import diagnose as diag
from rnn_tui.core.usercheck import trace as tracing
from rnn_tui.core.usercheck.contracts import (MINCHAR_DEFAULT_HIDDEN, MINCHAR_DEFAULT_VOCAB, MINCHAR_WEIGHTS,
                                              Batched,
                                              ContractError, Example, MinChar, UserResult, reference,
                                              large_example, spec64, working_params)
from rnn_tui.core.usercheck.report import (ERROR, FAIL, PASS, SKIP, CheckReport, CheckRow, Failure, Output,
                                           ParamError, Setup, rel, shown_timesteps)
from rnn_tui.core.usercheck.runner import Child, UserCodeError, how_it_ended
from rnn_tui.core.usercheck.variants import QUANTITIES

TOL = 1e-7
"""Checks 1, 2 and 5 pass when the largest relative error is at most this."""
FLOOR = 1e-6
"""Entries smaller than this fraction of a parameter's largest entry are compared
against that size instead of their own (their relative error is rounding's)."""
DELTA = 1e-3
"""Step of the centred differences (check 3), the five-point stencil of
:mod:`rnn_tui.core.gradcheck`."""
CONSISTENCY_TOL = 1e-6
"""Check 3 passes at this: the stencil's own error on a loss of order 10–100 with
these weights is about 1e-9 to 1e-8 relative, so 1e-6 leaves room and still sees
any real mismatch."""
ENTRIES = 4
"""Entries per parameter in check 3."""
MAX_LENGTHS = 32
"""Check 4 tries lengths 1 … min(T, this)."""
DEFAULT_TIMEOUT = 20.0

NAME_KEYS = QUANTITIES + ("t", "l")
CONFIG_ONLY_BATCHED = ("task", "layers", "batch", "bits")


class CheckUsageError(Exception):
    """The file or the options cannot be checked at all (one line for ``rnn-tui: error:``)."""


@dataclass
class CheckOptions:
    """What to check and how.

    Attributes:
        file: the user's Python file.
        function: its function's name (default: ``loss_and_grads``, else ``lossFun``).
        names: min-char-rnn name -> the user's local name (``--names dh=delta_h``);
            keys among ``dy, dh, dhraw, dhnext`` and ``t`` (the loop variable),
            ``l`` (the layer variable).
        config: the run's configuration (task, hidden, layers, batch, seq_len,
            seed); None for the defaults.
        given: the config fields set by the user (``--task`` etc. are refused for
            the min-char-rnn contract, ``--hidden`` must match the file's sizes).
        timeout: seconds for the import and for each call.
    """

    file: str
    function: str | None = None
    names: dict = field(default_factory=dict)
    config: Config | None = None
    given: frozenset = frozenset()
    timeout: float = DEFAULT_TIMEOUT


# ---- comparisons ---------------------------------------------------------------------------


def param_errors(yours: dict, ref: dict, tol: float = TOL) -> list[ParamError]:
    """Per parameter, the largest ``|a − b| / max(|a| + |b|, floor)``, in ``ref``'s order."""
    out = []
    for k, r in ref.items():
        u = yours[k]
        if not (np.all(np.isfinite(u))):
            i = int(np.flatnonzero(~np.isfinite(u))[0])
            idx = np.unravel_index(i, r.shape)
            out.append(ParamError(k, tuple(r.shape), float("inf"), False, tuple(int(n) for n in idx),
                                  float(u.reshape(-1)[i]), float(r.reshape(-1)[i])))
            continue
        scale = max(float(np.max(np.abs(u))) if u.size else 0.0, float(np.max(np.abs(r))) if r.size else 0.0)
        floor = max(FLOOR * scale, 1e-300)
        e = np.abs(u - r) / np.maximum(np.abs(u) + np.abs(r), floor)
        i = int(np.argmax(e)) if e.size else 0
        m = float(e.reshape(-1)[i]) if e.size else 0.0
        ok = m <= tol
        idx = tuple(int(n) for n in np.unravel_index(i, r.shape)) if not ok else None
        out.append(ParamError(k, tuple(r.shape), m, ok, idx,
                              None if ok else float(u.reshape(-1)[i]), None if ok else float(r.reshape(-1)[i])))
    return out


def close(yours: dict, ref: dict) -> bool:
    return all(p.passed for p in param_errors(yours, ref))


def _identical(a, b) -> bool:
    """Two calls returned the very same values, NaN where NaN (which no tolerance compares)."""
    return (a.loss == b.loss or (math.isnan(a.loss) and math.isnan(b.loss))) and a.grads.keys() == b.grads.keys() \
        and all(np.array_equal(a.grads[k], b.grads[k], equal_nan=True) for k in a.grads)


def _nonfinite(r) -> list[str]:
    """What of one call's return is NaN or infinite: "loss nan", "dWxh (3 NaN)"."""
    out = [] if math.isfinite(r.loss) else [f"the loss is {r.loss}"]
    for k, g in r.grads.items():
        bad = np.size(g) - int(np.count_nonzero(np.isfinite(g)))
        if bad:
            out.append(f"d{k} holds {bad} NaN or infinite entr{'y' if bad == 1 else 'ies'}")
    if not np.all(np.isfinite(r.h_last)):
        out.append("h_last holds NaN or infinite entries")
    return out


def _rel(a: float, b: float) -> float:
    if not (math.isfinite(a) and math.isfinite(b)):
        return float("inf")
    return abs(a - b) / max(abs(b), abs(a), 1e-300)


def _vrel(u: np.ndarray, r: np.ndarray) -> float:
    if not np.all(np.isfinite(u)):
        return float("inf")
    scale = max(float(np.max(np.abs(u))), float(np.max(np.abs(r))), 1e-300)
    return float(np.max(np.abs(u - r))) / scale


def _grad_summary(errs: list[ParamError]) -> str:
    bad = [p for p in errs if not p.passed]
    if not bad:
        worst = max(errs, key=lambda p: p.max_rel)
        return f"every gradient within {TOL:.0e} (largest: d{worst.name} {rel(worst.max_rel, 0)})"
    good = [p for p in errs if p.passed]
    s = ", ".join(f"d{p.name} {p.max_rel:.1e}" for p in bad)
    return s + ("; " + ", ".join(f"d{p.name}" for p in good) + " pass" if good else "")


# ---- the file and the function ---------------------------------------------------------------


def _states_in_a_list(file: str) -> bool:
    """Whether the file keeps its hidden states in a list that starts with hprev
    (``hs = [hprev]``: its ``hs[t+1]`` is min-char-rnn's ``hs[t]``)."""
    import re

    try:
        src = Path(file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    starts = r"\[\s*(np\.copy\(\s*)?hprev\b"                       # [hprev] or [np.copy(hprev)]
    return re.search(r"\bhs\s*=\s*" + starts, src) is not None or \
        (re.search(r"\bhs\.append\(", src) is not None and re.search(starts, src) is not None)


def validate_file(file: str) -> str:
    """The absolute path of a readable Python file without syntax errors."""
    p = Path(file)
    if not p.exists():
        raise CheckUsageError(f"file not found: {file}")
    if p.is_dir():
        raise CheckUsageError(f"{file} is a folder; give the Python file to check")
    if p.suffix != ".py":
        raise CheckUsageError(f"{file} is not a Python file (.py)")
    try:
        src = p.read_bytes()
    except OSError as e:
        raise CheckUsageError(f"cannot read {file}: {e.strerror or e}") from None
    # compile() takes undeclared non-UTF-8 bytes; `python file.py` does not (PEP 263)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(src).readline)
    except SyntaxError:                      # not UTF-8 in its first lines, or an unknown coding (compile says)
        encoding = "utf-8"
    try:
        src.decode(encoding)
    except UnicodeDecodeError as e:
        line = src[:e.start].count(b"\n") + 1
        raise CheckUsageError(f"{file} is not {encoding} text (byte 0x{src[e.start]:02x} on line {line}): python "
                              "refuses to run it; save it as UTF-8") from None
    try:
        compile(src, str(p), "exec", dont_inherit=True)
    except SyntaxError as e:
        where = f", line {e.lineno}" if e.lineno else ""
        raise CheckUsageError(f"syntax error in {file}{where}: {e.msg}") from None
    except ValueError as e:            # NUL bytes
        raise CheckUsageError(f"{file} is not Python source: {e}") from None
    return str(p.resolve())


def parse_names(text: str) -> dict[str, str]:
    """``"dh=delta_h,dy=dout"`` as a dict; raises :class:`CheckUsageError` naming a bad part."""
    out = {}
    for part in filter(None, (s.strip() for s in text.split(","))):
        key, eq, val = part.partition("=")
        key, val = key.strip(), val.strip()
        if not eq or not key or not val:
            raise CheckUsageError(f"--names takes NAME=YOURS pairs separated by commas, got {part!r}")
        if key not in NAME_KEYS:
            raise CheckUsageError(f"--names: {key!r} is not a traced name; choose from: {', '.join(NAME_KEYS)}")
        if not val.isidentifier():
            raise CheckUsageError(f"--names: {val!r} is not a Python variable name")
        out[key] = val
    return out


def _choose_function(info: dict, opts: CheckOptions, file: str) -> tuple[str, str]:
    funcs = info["functions"]
    listing = ", ".join(sorted(k for k, f in funcs.items() if f["own"])) or "none"
    if opts.function:
        name = opts.function
        if name not in funcs:
            owner = next((c for c, ms in info.get("class_methods", {}).items() if name in ms), None)
            if owner:
                raise CheckUsageError(f"{file} has {name} only as a method of class {owner}: rnn-tui calls a "
                                      f"function of the module; add one that makes your {owner} with the weights "
                                      f"rnn-tui gives and returns what its {name} does, and name it with --function")
            raise CheckUsageError(f"{file} defines no function {name!r} (functions it defines: {listing})")
    else:
        name = next((n for n in ("loss_and_grads", "lossFun") if n in funcs), None)
        methods = info.get("methods", {})
        if name is None and methods:
            cls, method = next(iter(methods.items()))
            wrapper = ("def lossFun(inputs, targets, hprev):` that sets your object's weights from the globals "
                       "Wxh, Whh, Why, bh, by and calls it" if method == "lossFun" else
                       "def loss_and_grads(params, inputs, targets, h0):` that gives your object the weights "
                       "in params and calls it")
            raise CheckUsageError(f"{file} has {method} only as a method of class {cls}: rnn-tui calls a "
                                  f"function of the module; add a `{wrapper}")
        if name is None:
            raise CheckUsageError(f"{file} defines neither loss_and_grads nor lossFun; use --function NAME "
                                  f"for another name (functions it defines: {listing})")
    f = funcs[name]
    fits = [kind for n, kind in ((4, "loss_and_grads"), (3, "lossFun"))
            if f["required"] <= n and (f["positional"] >= n or f["varargs"])]
    if fits:
        # a function named like a contract is that one (lossFun(inputs, targets, hprev,
        # verbose=False) too); another name: the contract its required arguments make
        exact = [kind for n, kind in ((4, "loss_and_grads"), (3, "lossFun")) if kind in fits and f["required"] == n]
        return name, name if name in fits else (exact or fits)[0]
    raise CheckUsageError(f"{name} takes {f['positional']} argument{'s' if f['positional'] != 1 else ''} "
                          f"({', '.join(f['params'])}); the contracts are lossFun(inputs, targets, hprev) "
                          "and loss_and_grads(params, inputs, targets, h0)")


@dataclass
class _Plan:
    """Everything the checks run on."""

    setup: Setup
    spec: Spec
    contract: object
    params: dict
    main: Example


def _plan_minchar(info: dict, opts: CheckOptions, name: str) -> _Plan:
    given = set(opts.given)
    wrong = [f"--{k}" for k in CONFIG_ONLY_BATCHED if k in given]
    if wrong:
        raise CheckUsageError(f"{', '.join(wrong)} appl{'ies' if len(wrong) == 1 else 'y'} to "
                              f"loss_and_grads(params, inputs, targets, h0); {name} is min-char-rnn's "
                              "contract: one character model, one layer, one sequence")
    cfg = opts.config or Config().resolved()
    shapes, ints = info["shapes"], info["ints"]
    if 0 < len(shapes) < len(MINCHAR_WEIGHTS):
        missing = [k for k in MINCHAR_WEIGHTS if k not in shapes]
        raise CheckUsageError(f"the file defines the globals {', '.join(k for k in MINCHAR_WEIGHTS if k in shapes)} "
                              f"but not {', '.join(missing)}: {name} must read min-char-rnn's weights "
                              f"{', '.join(MINCHAR_WEIGHTS)} from module globals (rnn-tui sets them for each call)")
    H = V = None
    if len(shapes.get("Wxh", ())) == 2:
        H, V = shapes["Wxh"]
        where = f"H and V from the file's Wxh {tuple(shapes['Wxh'])}"
    elif len(shapes.get("Why", ())) == 2:
        V, H = shapes["Why"]
        where = f"H and V from the file's Why {tuple(shapes['Why'])}"
    elif "hidden_size" in ints and "vocab_size" in ints:
        H, V = ints["hidden_size"], ints["vocab_size"]
        where = "H and V from the file's hidden_size and vocab_size"
    else:
        H = cfg.hidden if "hidden" in given else ints.get("hidden_size", MINCHAR_DEFAULT_HIDDEN)
        V = ints.get("vocab_size", MINCHAR_DEFAULT_VOCAB)
        where = "the file defines no Wxh or sizes: rnn-tui's defaults"
    if "hidden" in given and cfg.hidden != H:
        raise CheckUsageError(f"--hidden {cfg.hidden} does not match the file's own size (H = {H}: {where}); "
                              "leave --hidden out")
    if H < 1 or V < 2:
        raise CheckUsageError(f"the file's sizes H = {H}, V = {V} cannot make a character model")
    T, seed = cfg.seq_len, cfg.seed
    spec = Spec(input_size=V, hidden_size=H, output_size=V,
                activation=cfg.activation if "activation" in given else "tanh")     # min-char-rnn's tanh
    rng = np.random.default_rng(seed)
    params = working_params(spec, rng)
    seq = rng.integers(0, V, size=2 * T + 1)
    ones = np.ones(T)
    # the state a previous window left (min-char-rnn carries hprev), so that a
    # lossFun which starts from zeros instead of hprev shows
    prev = forward(spec, params, seq[:T, None], seq[1:T + 1, None], np.zeros((1, 1, H)), ones)
    main = Example(seq[T:2 * T, None], seq[T + 1:, None], ones, np.array(prev.hlast))
    # biases kept as the file keeps them: flat (H,) vectors (and then hprev too), or columns (H, 1)
    flat = len(shapes.get("bh", shapes.get("by", (0, 1)))) == 1
    contract = MinChar(spec, name, flat=flat)
    setup = Setup(contract="lossFun", function=name, task="charlm", hidden=H, input_size=V, output_size=V,
                  layers=1, batch=1, seq_len=T, seed=seed, activation=spec.activation, head="softmax_ce",
                  shapes={k: list(v) for k, v in spec.shapes().items()}, user_shapes=contract.user_shapes(),
                  where_sizes=where)
    return _Plan(setup, spec, contract, params, main)


def _plan_batched(opts: CheckOptions, name: str) -> _Plan:
    from rnn_tui.core.trainer import Trainer

    cfg = opts.config or Config().resolved()
    try:
        trainer = Trainer(cfg)
    except ConfigError as e:
        raise CheckUsageError(str(e)) from None
    spec = spec64(trainer.spec)
    rng, B = trainer.rng, cfg.batch
    params = working_params(spec, rng)

    def batch():
        b = trainer.task.next_batch(rng, B)
        x = b.x if spec.index_input else np.asarray(b.x, dtype=np.float64)
        y = b.y if spec.head == "softmax_ce" else np.asarray(b.y, dtype=np.float64)
        return x, y, np.asarray(b.mask, dtype=np.float64)

    # h0 is the state the previous example left: a function that ignores its h0 shows
    x, y, m = batch()
    prev = forward(spec, params, x, y, np.full((spec.layers, B, spec.hidden_size), cfg.h0), m)
    x, y, m = batch()
    main = Example(x, y, m, np.array(prev.hlast))
    contract = Batched(spec, name, B)
    setup = Setup(contract="loss_and_grads", function=name, task=cfg.task, hidden=spec.hidden_size,
                  input_size=spec.input_size, output_size=spec.output_size, layers=spec.layers, batch=B,
                  seq_len=main.T, seed=cfg.seed, activation=spec.activation, head=spec.head,
                  shapes={k: list(v) for k, v in spec.shapes().items()}, user_shapes=contract.user_shapes())
    return _Plan(setup, spec, contract, params, main)


# ---- failures ----------------------------------------------------------------------------------

STAGES = {"import": "while importing", "gradients": "on the first call", "repeat": "on the second call",
          "trace": "while traced", "large": "on the example with large gradients",
          "consistency": "while its loss was checked by centred differences", "lengths": "on a shorter sequence"}


def _collapsed(frames: list[str]) -> list[str]:
    """Runs of the same frame (a recursion) as Python shows them: three, then how many more."""
    out: list[str] = []
    i = 0
    while i < len(frames):
        j = i
        while j < len(frames) and frames[j] == frames[i]:
            j += 1
        out += frames[i:min(j, i + 3)]
        if j - i > 3:
            out.append(f"[the line above repeated {j - i - 3:,} more times]")
        i = j
    return out


def failure_from(info: dict, file: str, function: str) -> Failure:
    """One clear line (and the user's frames) for what stopped the user's code."""
    kind, stage = info.get("kind", "internal"), info.get("stage", "")
    where = STAGES.get(stage, "")
    if stage == "lengths" and "case" in info:
        n = info["case"] + 1
        where = f"on a sequence of length {n}"
    base = os.path.basename(file)
    frames = _collapsed([f"{base}, line {ln}, in {fn}" + (f": {code}" if code else "")
                         for ln, fn, code in info.get("frames", [])])
    summary = info.get("summary", "")
    if kind in ("timeout", "died"):
        summary = ""
    if kind == "timeout":
        if stage == "import":
            msg = ("the file keeps running when imported — put the training loop under "
                   "`if __name__ == '__main__':`")
        else:
            msg = (f"{function} did not return within {info.get('seconds', 0):g} s {where} and was stopped "
                   "(--timeout gives it longer)")
    elif kind == "exception":
        etype, _, text = summary.partition(": ")
        msg = (f"importing {file} raised {summary}" if stage == "import"
               else f"{function} raised {etype} {where}" + (f": {text}" if text else ""))
    elif kind == "exit":
        msg = (f"{file} ended the program while imported ({summary}); put what runs at import under "
               "`if __name__ == '__main__':`" if stage == "import"
               else f"{function} ended the program ({summary}) {where}")
    elif kind == "died":
        msg = f"the process running {file} {how_it_ended(info.get('code'))} {where}"
    elif kind == "return":
        msg = f"{function} returned the wrong thing {where}: {summary}"
    else:
        msg = f"rnn-tui's check itself failed {where}: {summary} (a bug of rnn-tui's; please report it)"
    return Failure(kind, stage, msg.strip(), frames, summary)


# ---- running -----------------------------------------------------------------------------------


class _Runner:
    """The checks, with the child, the plan and the evidence they gather."""

    def __init__(self, child: Child, plan: _Plan, opts: CheckOptions, report: CheckReport):
        self.child, self.plan, self.opts, self.report = child, plan, opts, report
        self.c = plan.contract
        self.increments: list[int] = []

    def call(self, cases: list[tuple[dict, Example]], stage: str, trace: dict | None = None) -> list:
        reply = self.child.request("call", stage, function=self.c.function,
                                   cases=[self.c.wire(p, ex) for p, ex in cases],
                                   layout=self.c.layout, names=self.c.names, trace=trace,
                                   increments=self.increments)
        out = []
        for res in reply["results"]:
            try:
                out.append((self.c.parse(res), res))
            except ContractError as e:
                raise UserCodeError({"kind": "return", "stage": stage, "summary": str(e)}) from None
        return out

    def arity_message(self, info: dict) -> dict:
        """The child's description of a wrong return value, as a message naming the contract."""
        what = info.get("what")
        n = len(self.c.layout)
        if what == "arity":
            info["summary"] = (f"{info['got']} value{'s' if info['got'] != 1 else ''} where the contract "
                               f"has {n}: {self.c.returns_text()}")
        elif what == "not_tuple":
            info["summary"] = f"{info['got']} where the contract has a tuple of {n}: {self.c.returns_text()}"
        elif what == "not_dict":
            info["summary"] = f"{info['name']} is {info['got']}; expected a dict of gradients by parameter name"
        elif what == "not_array":
            info["summary"] = f"{info['name']} is {info['got']}, not numbers"
        return info

    def run(self) -> None:
        """Checks 1–6 in order, into the report's rows, failure and diagnosis."""
        rep = self.report
        ref = reference(self.plan.spec, self.plan.params, self.plan.main)
        rows: dict[str, CheckRow] = {}
        ev = None
        try:
            ev = self._first_calls(ref, rows)
            self._trace(ev, ref, rows)
            self._large(ev, rows)
            self._consistency(ev, ev.user, rows)
            self._lengths(ev, rows)
        except UserCodeError as e:
            info = self.arity_message(e.info) if e.info.get("kind") == "return" else e.info
            rep.failure = failure_from(info, self.opts.file, self.c.function)
            rep.failure.hint = self._settings_hint(rep.failure)
        finally:
            order = ("forward", "gradients", "repeat", "large", "consistency", "lengths", "trace")
            rep.rows = [rows[k] for k in order if k in rows]
        if ev is not None and rep.failure is None:
            if not all(r.status in (PASS, SKIP) for r in rep.rows):
                rep.diagnosis = diag.in_list_indexing(diag.diagnose(ev), _states_in_a_list(self.opts.file))

    def _settings_hint(self, failure) -> str:
        """For a loss_and_grads file that raised on its first call while the task and
        layers were left at their defaults: what it was called with (a file written for
        the subtraction task fails on a character model's inputs)."""
        if failure.kind != "exception" or failure.stage != "gradients":
            return ""
        given, s, ex = set(self.opts.given), self.plan.setup, self.plan.main
        if self.c.kind == "lossFun":
            if "defaults" not in s.where_sizes:
                return ""
            return (f"your file has no global Wxh (nor hidden_size and vocab_size), so rnn-tui used its own "
                    f"sizes H = {s.hidden}, V = {s.input_size}; lossFun must read min-char-rnn's globals "
                    f"{', '.join(MINCHAR_WEIGHTS)} (rnn-tui sets them for each call)")
        if {"task", "layers"} <= given:
            return ""
        kinds = "symbol indices" if ex.x.ndim == 2 else "floats"
        layers = f"{s.layers} layer{'s' if s.layers > 1 else ''} (params {', '.join(s.shapes)})"
        return (f"it was called as task {s.task}, {layers}, inputs {tuple(ex.x.shape)} {kinds}, targets "
                f"{tuple(ex.y.shape)}: a file for another task or stack needs --task (and --layers)")

    def _first_calls(self, ref, rows) -> diag.Evidence:
        """Checks 1, 2 and 2b on the main example; returns the evidence the later checks add to."""
        plan = self.plan
        (A, rawA), = self.call([(plan.params, plan.main)], "gradients")
        low = self._notes(rawA, A)
        forward_ok = self._forward(A, ref, rows)
        errs = param_errors(A.grads, ref.grads)
        rows["gradients"] = CheckRow("gradients", "2", "gradients vs rnn-tui's BPTT",
                                     PASS if all(p.passed for p in errs) else FAIL, _grad_summary(errs), errs)
        same, accumulating, user, kept = self._repeat(A, rawA, ref, rows)
        user_errs = param_errors(user.grads, ref.grads) if user is not A else errs
        return diag.Evidence(spec=plan.spec, params=plan.params, main=plan.main, ref=ref, user=user, close=close,
                             errors=param_errors, tol=TOL, forward_ok=forward_ok,
                             grads_ok=all(p.passed for p in user_errs), grad_errors=user_errs,
                             accumulating=accumulating, repeat_differs=not same,
                             batch=plan.setup.batch, contract=self.c.kind, low_precision=low,
                             nonfinite=_nonfinite(A), kept=kept)

    def _forward(self, A, ref, rows) -> bool:
        """Check 1: the first call's loss and ``h_last`` against rnn-tui's forward pass."""
        f_loss, f_h = _rel(A.loss, ref.loss), _vrel(A.h_last, ref.h_last)
        ok = f_loss <= TOL and f_h <= TOL
        rows["forward"] = CheckRow(
            "forward", "1", "forward: loss and h_last", PASS if ok else FAIL,
            (f"loss {ref.loss:.6g} and h_last agree" if ok else
             f"loss: yours {A.loss:.10g}, rnn-tui's {ref.loss:.10g}" +
             (f"; h_last differs (relative {f_h:.1e})" if f_h > TOL else "; h_last agrees")),
            value=f_loss)
        return ok

    def _repeat(self, A, rawA, ref, rows) -> tuple[bool, list[str], UserResult, list[str]]:
        """Check 2b: the same call again.  Returns whether it gave the same values, the
        parameters whose sums carry over, the first call's own values, and the module
        arrays the calls changed (state kept from one call to the next)."""
        (Bres, rawB), = self.call([(self.plan.params, self.plan.main)], "repeat")
        kept = sorted(set(rawA.get("kept", [])) | set(rawB.get("kept", [])))
        same = (close(Bres.grads, A.grads) and _rel(Bres.loss, A.loss) <= TOL) or _identical(A, Bres)
        accumulating, user = ([], A) if same else self._accumulation(A, Bres, ref)
        rows["repeat"] = CheckRow(
            "repeat", "2b", "the same call twice", PASS if same else FAIL,
            "the same arguments give the same values" if same else
            ("the second call's " + ", ".join(f"d{k}" for k in accumulating) +
             " include the first call's: the sums are not reset" if accumulating else
             "the same arguments gave different values" + (f" (it changes the global {', '.join(kept)})"
                                                           if kept else "")))
        return same, accumulating, user, kept

    def _accumulation(self, A, Bres, ref) -> tuple[list[str], UserResult]:
        """The parameters whose second call added a gradient to the first's, and the first
        call's own share; from then on each call is judged by its own share."""
        diff = {k: Bres.grads[k] - A.grads[k] for k in A.grads}
        e_dbl = param_errors(diff, A.grads)
        e_ref = param_errors(diff, ref.grads)
        moved = [p.name for p in param_errors(Bres.grads, A.grads) if not p.passed]
        accumulating = [k for k, a, b in zip(A.grads, e_dbl, e_ref, strict=True) if k in moved and (a.passed or b.passed)]
        if not accumulating:
            return [], A
        self.increments = [1, 2, 3, 4, 5] if self.c.kind == "lossFun" else [1]
        if all(p.passed for p in e_dbl):
            return accumulating, A
        # the first call already had something in its sums: its own share is the change
        return accumulating, type(A)(Bres.loss, {k: diff[k] if k in accumulating else Bres.grads[k]
                                                 for k in A.grads}, Bres.h_last, Bres.dtypes, Bres.changed)

    def _nonfatal(self, e: UserCodeError, key: str, number: str, title: str, rows: dict) -> None:
        """An exception or a wrong return on one check: that check errs, the others go on."""
        if e.info.get("kind") not in ("exception", "return", "exit"):
            raise e
        info = self.arity_message(e.info) if e.info.get("kind") == "return" else e.info
        f = failure_from(info, self.opts.file, self.c.function)
        rows[key] = CheckRow(key, number, title, ERROR, f.message)
        self.report.notes.append(f.message + "".join(f"\n    {line}" for line in f.traceback))

    def _trace(self, ev, ref, rows) -> None:
        names = {q: self.opts.names.get(q, q) for q in QUANTITIES}
        tname, lname = self.opts.names.get("t", "t"), self.opts.names.get("l", "l")
        title = "timestep by timestep"
        try:
            (_, raw), = self.call([(self.plan.params, self.plan.main)], "trace",
                                  trace={"names": names, "t": tname, "l": lname})
        except UserCodeError as e:
            self._nonfatal(e, "trace", "5", title, rows)
            return
        tr = tracing.compare(raw.get("passes", []), raw.get("saw_t", False), names, tname, lname,
                             ref.steps, TOL, ev.grads_ok)
        ev.trace = self.report.trace = tr
        fm = tr.first_mismatch
        if tr.status == SKIP:
            summary = tr.note
        elif tr.runs_forward:
            summary = f"your backward loop goes forward in time: t = 0, 1, 2, … (BPTT goes from {tr.T - 1} down)"
        elif tr.missing and (fm is None or fm.t in tr.missing):
            summary = f"your backward loop never processed t = {shown_timesteps(tr.missing)}"
        elif fm is not None:
            layer = f", layer {fm.layer}" if ev.spec.layers > 1 else ""
            # among the values found: a quantity not found could differ before (say so)
            unseen = next((n for n in tr.note.split("; ") if "not found in your loop" in n), "")
            summary = (f"first difference: {fm.quantity} at t = {fm.t}{layer}"
                       + (f" (max |diff| {fm.max_abs:.3g}, relative {fm.rel:.1e})" if fm.yours is not None
                          else f" ({fm.note})") + (f"; {unseen}" if unseen else ""))
        elif tr.missing:
            summary = f"{', '.join(tr.found)} agree where your loop went; {tr.note}"
        else:
            summary = (f"{', '.join(tr.found)} agree at every timestep"
                       + (f"; {tr.note}" if tr.note else ""))
        rows["trace"] = CheckRow("trace", "5", title, tr.status, summary)

    def _large(self, ev, rows) -> None:
        title = "large gradients, unclipped"
        params, ex, big = large_example(ev.spec, self.plan.params, self.plan.main)
        try:
            (U, _), = self.call([(params, ex)], "large")
        except UserCodeError as e:
            self._nonfatal(e, "large", "2c", title, rows)
            return
        ref = reference(ev.spec, params, ex)
        ev.probe = (params, ex, ref, U)
        errs = param_errors(U.grads, ref.grads)
        ok = all(p.passed for p in errs)
        rows["large"] = CheckRow("large", "2c", title, PASS if ok else FAIL,
                                 (f"gradients up to {big:.3g} agree" if ok else
                                  f"gradients up to {big:.3g}: " + _grad_summary(errs)), errs, value=big)

    def _consistency(self, ev, user, rows) -> None:
        title = "your gradient vs your own loss"
        c = self.c
        rng = np.random.default_rng(12345)
        floor = gradcheck.roundoff_floor(user.loss, DELTA)
        entries, owners, sharpened = [], [], False
        for k, g in user.grads.items():
            flat = g.reshape(-1)
            if flat.size <= ENTRIES:
                pick = np.arange(flat.size)
            else:
                live = np.flatnonzero(np.abs(flat) >= floor)
                dead = np.flatnonzero(np.abs(flat) < floor)
                n_dead = 1 if len(dead) and len(live) else (ENTRIES if not len(live) else 0)
                n_live = min(len(live), ENTRIES - min(n_dead, ENTRIES))
                pick = np.concatenate([rng.choice(live, n_live, replace=False) if n_live else [],
                                       rng.choice(dead, min(n_dead, len(dead)), replace=False)
                                       if n_dead else []]).astype(int)
            worst = self._worst_entry(k, flat, ev)
            if worst is not None and worst not in pick:        # a random few can miss a wrong entry
                pick = np.append(pick, worst)
                sharpened = True
            for i in pick:
                entries.append([c.perturb_path(k), int(i)])
                owners.append((k, int(i)))
        try:
            reply = self.child.request("losses", "consistency", function=c.function,
                                       case=c.wire(self.plan.params, self.plan.main), entries=entries,
                                       delta=DELTA, offsets=list(gradcheck.OFFSETS), layout=c.layout,
                                       names=c.names)
        except UserCodeError as e:
            self._nonfatal(e, "consistency", "3", title, rows)
            return
        per: dict[str, list[float]] = {k: [] for k in user.grads}
        flat_moves = 0
        for (k, i), f in zip(owners, reply["losses"], strict=True):
            num = gradcheck.five_point(f, DELTA)
            a = float(user.grads[k].reshape(-1)[i])
            if f[0] == f[1] == f[2] == f[3]:
                flat_moves += 1
            err = abs(a - num) / max(abs(a) + abs(num), floor) if math.isfinite(num) else float("inf")
            per[k].append(err)
        errs = [ParamError(k, tuple(user.grads[k].shape), max(v) if v else 0.0,
                           (max(v) if v else 0.0) <= CONSISTENCY_TOL) for k, v in per.items()]
        ok = all(p.passed for p in errs)
        ev.consistency_ok = ok
        some_grad = any(abs(float(user.grads[k].reshape(-1)[i])) >= floor for k, i in owners)
        ev.ignores_weights = flat_moves == len(owners) and some_grad
        also = ", and where yours differs most from rnn-tui's" if sharpened else ""
        summary = (f"centred differences of your loss agree with your gradient ({ENTRIES} entries each{also})"
                   if ok else "your gradient does not match your own loss: " +
                   ", ".join(f"d{p.name} {p.max_rel:.1e}" for p in errs if not p.passed))
        rows["consistency"] = CheckRow("consistency", "3", title, PASS if ok else FAIL, summary, errs)

    @staticmethod
    def _worst_entry(name: str, flat: np.ndarray, ev) -> int | None:
        """The entry of the user's ``d{name}`` farthest from rnn-tui's (None when they agree)."""
        ref = ev.ref.grads.get(name)
        if ref is None or ref.size != flat.size or ev.close({name: flat.reshape(ref.shape)}, {name: ref}):
            return None
        return int(np.argmax(np.abs(flat - ref.reshape(-1))))

    def _lengths(self, ev, rows) -> None:
        title = "shortest failing length"
        main, P, spec = self.plan.main, self.plan.params, ev.spec
        K = min(main.T, MAX_LENGTHS)
        cases = [(P, main.prefix(k)) for k in range(1, K + 1)]
        try:
            results = self.call(cases, "lengths")
        except UserCodeError as e:
            self._nonfatal(e, "lengths", "4", title, rows)
            return
        for k, (U, _) in enumerate(results, start=1):
            r = reference(spec, P, main.prefix(k))
            errs = param_errors(U.grads, r.grads)
            bad = [p.name for p in errs if not p.passed]
            if bad:
                ev.shortest, ev.shortest_params = k, bad
                before = f"length {k - 1} passes; " if k > 1 else ""
                verb = "fails" if len(bad) == 1 else "fail"
                rows["lengths"] = CheckRow("lengths", "4", title, FAIL,
                                           f"{before}" + ", ".join(f"d{n}" for n in bad) + f" {verb} from length {k}",
                                           errs, value=k)
                return
        rows["lengths"] = CheckRow("lengths", "4", title, PASS, f"every length from 1 to {K} passes", value=None)

    def _notes(self, raw: dict, res) -> list[str]:
        """Notes on the first call's values; returns the ones that came back below float64."""
        low = sorted({k for k, d in raw["dtypes"].items() if d in ("<f4", "<f2")})
        if raw["changed"]:
            what = "globals" if self.c.kind == "lossFun" else "params"
            self.report.notes.append(f"{self.c.function} changed the {what} {', '.join(raw['changed'])}; an update "
                                     "of the weights belongs in the training loop, outside the function "
                                     "(rnn-tui sets fresh copies before every call, so the check is not affected)")
        return low


def run_check(opts: CheckOptions, on_child: Callable[[Child], None] | None = None) -> CheckReport:
    """Check the user's file; returns the report (raises :class:`CheckUsageError` on bad input).

    The user's code runs in a child process with the file's folder as working
    directory; whatever it prints is kept in ``report.output``.  ``on_child`` is
    called with the :class:`Child` as soon as it runs (an app keeps it to
    :meth:`Child.stop` it when the user quits before the check ends).
    """
    t0 = time.perf_counter()
    path = validate_file(opts.file)
    report = CheckReport(file=opts.file)
    child = Child(path, opts.timeout)
    try:
        with child:
            if on_child is not None:
                on_child(child)
            try:
                info = child.request("import", "import", path=path)
            except UserCodeError as e:
                report.failure = failure_from(e.info, opts.file, "")
            else:
                name, kind = _choose_function(info, opts, opts.file)
                plan = (_plan_minchar(info, opts, name) if kind == "lossFun" else _plan_batched(opts, name))
                report.setup = plan.setup
                with np.errstate(all="ignore"):
                    _Runner(child, plan, opts, report).run()
    finally:
        o, e = child.stdout, child.stderr
        report.output = Output(o.text(), e.text(), o.total, e.total, o.lines, e.lines,
                               bool(o.dropped or e.dropped))
        report.seconds = time.perf_counter() - t0
    return report
