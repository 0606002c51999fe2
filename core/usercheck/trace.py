"""Check 5: the user's backward loop, pass by pass, against rnn-tui's BPTT stepper.

The child records *passes* (see :class:`rnn_tui.core.usercheck.child.Tracer`): for
each frame of the user's file, the value of the loop variable ``t`` (and ``l``) and
what the named locals held when it changed.  Here the passes of the backward loop
are picked out — in each function, the run of passes at the end where ``t`` only
goes down (a forward loop before it goes up) — and each value is put in rnn-tui's
``(B, X)`` layout and compared with the stepper's value at the same ``t``.
"""

from __future__ import annotations

import numpy as np

from rnn_tui.core.usercheck.contracts import to_layout
from rnn_tui.core.usercheck.report import FAIL, PASS, SKIP, Trace, TraceValue, shown_timesteps
from rnn_tui.core.usercheck.variants import QUANTITIES


def _backward_run(passes: list[dict]) -> list[int]:
    """Indices of the passes at the end of ``passes`` where ``t`` goes down.

    Of two passes with the same ``t`` the later is kept: between layers of a stacked
    loop, ``t`` has already moved on while ``l`` still holds the last layer, which
    makes a short pass of that layer before its real one.
    """
    if not passes:
        return []
    idx = [len(passes) - 1]
    for i in range(len(passes) - 2, -1, -1):
        t, last = passes[i]["t"], passes[idx[-1]]["t"]
        if t > last:
            idx.append(i)
        elif t < last:
            break
    return idx[::-1]


def _runs_forward(passes: list[dict], func: str, kept: int) -> bool:
    """Whether ``func``'s loop with the traced values went up in time: at its end a run
    of passes where ``t`` only grows, over more timesteps than the backward run kept."""
    ts = [p["t"] for p in passes if p["func"] == func]
    n = 1
    while n < len(ts) and ts[-n - 1] <= ts[-n]:
        n += 1
    return len(set(ts[-n:])) > max(2, kept)


def select(passes: list[dict]) -> tuple[str, list[dict]]:
    """The function whose loop is the backward one, and that loop's passes in order."""
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(passes):
        groups.setdefault((p["func"], p["l"]), []).append(i)
    best: dict[str, list[int]] = {}
    for (func, _), ids in groups.items():
        run = _backward_run([passes[i] for i in ids])
        best.setdefault(func, []).extend(ids[j] for j in run)
    if not best:
        return "", []

    def score(func):
        ids = best[func]
        return (len(ids), sum(len(passes[i]["values"]) for i in ids))

    func = max(best, key=score)
    return func, [passes[i] for i in sorted(best[func])]


def _rel(u: np.ndarray, r: np.ndarray) -> tuple[float, float]:
    d = np.abs(u - r)
    if not (np.all(np.isfinite(u)) and np.all(np.isfinite(r))):
        return float("inf"), float("inf")
    m = float(d.max()) if d.size else 0.0
    scale = max(float(np.max(np.abs(u))) if u.size else 0.0, float(np.max(np.abs(r))) if r.size else 0.0)
    return m, (m / scale if scale > 0 else 0.0)


def compare(passes: list[dict], saw_t: bool, names: dict[str, str], tname: str, lname: str,
            steps: dict[str, np.ndarray], tol: float, grads_ok: bool) -> Trace:
    """Check 5 on the passes the child recorded.

    Args:
        names: min-char-rnn quantity -> the user's local name.
        steps: the reference stepper's values, quantity -> ``(L, T, B, X)``.
        grads_ok: the user's gradients passed; a quantity that is a constant
            multiple of the reference at every timestep (a ``1/B`` applied later)
            then counts as agreeing.
    """
    L, T = steps["dh"].shape[:2]
    trace = Trace(status=SKIP, names=dict(names), T=T, tname=tname)
    if not passes:
        trace.note = _nothing_traced(saw_t, names, tname)
        return trace
    trace.function, run = select(passes)
    trace.runs_forward = _runs_forward(passes, trace.function, len({p["t"] for p in run}))
    values, unknown_layer = _traced_values(run, names, steps, tol)
    counted_back = None
    if trace.runs_forward:
        # a loop that counts its passes up and indexes from the end (the subtraction
        # tutorial's x[-position - 1]) goes backward in time: pass k is timestep T-1-k
        flipped = [dict(p, t=T - 1 - p["t"]) for p in passes if 0 <= p["t"] < T]
        func, run_back = select(flipped)
        back, unknown_back = _traced_values(run_back, names, steps, tol)
        if back and sum(v.ok for v in back) > sum(v.ok for v in values):
            trace.function, run, values, unknown_layer = func, run_back, back, unknown_back
            trace.runs_forward, counted_back = False, tname
    values, notes = _whole_arrays_left_out(values, names)
    notes += _constant_factors(values, names, tol, grads_ok)
    trace.values = values
    trace.found = [q for q in QUANTITIES if any(v.quantity == q for v in values)]
    top = max((v.layer for v in values), default=0)
    trace.visited = [v.t for v in values if v.layer == top and v.quantity == trace.found[0]] if values else []
    missing = trace.missing
    if counted_back:
        notes.insert(0, f"your loop's {counted_back} counts the passes from the end: {counted_back} = k is "
                        f"timestep t = {T - 1} - k (traced as such)")
    if trace.runs_forward:
        notes.append(f"your backward loop goes forward in time (t = 0, 1, 2, …); BPTT goes from "
                     f"t = {T - 1} down to 0")
    if missing:
        notes.append(f"your backward loop never processed t = {shown_timesteps(missing)}")
    if unknown_layer:
        notes.append(f"with {L} layers the trace needs the layer variable: name it with --names l=NAME")
    unseen = [q for q in QUANTITIES if q not in trace.found]
    if trace.found and unseen:
        # the first difference is looked for among what was found: say what was not
        notes.append(f"{', '.join(names.get(q, q) for q in unseen)} not found in your loop (if yours "
                     f"{'has another name' if len(unseen) == 1 else 'have other names'}: --names "
                     + ",".join(f"{q}=NAME" for q in unseen) + ")")
    trace.first_mismatch = next((v for v in values if not v.ok), None)
    if not values:
        trace.status = SKIP
        notes.insert(0, "your backward loop's values could not be matched to timesteps")
    else:
        trace.status = PASS if trace.first_mismatch is None and not missing and not trace.runs_forward else FAIL
    trace.note = "; ".join(notes)
    return trace


def _nothing_traced(saw_t: bool, names: dict[str, str], tname: str) -> str:
    """Why the child recorded no pass, and which ``--names`` to give."""
    if not saw_t:
        return f"no loop variable {tname!r} was found in your function; name yours with --names t=NAME"
    return ("none of " + ", ".join(f"{q}" + (f" (as {n})" if n != q else "") for q, n in names.items())
            + " was found in your backward loop; map your names with --names dh=NAME,…,t=NAME")


def _traced_values(run: list[dict], names: dict[str, str], steps: dict[str, np.ndarray],
                   tol: float) -> tuple[list[TraceValue], bool]:
    """Every value of the backward loop's passes against the stepper's at the same ``t``
    and layer, in processing order; and whether some value's layer could not be told."""
    L, T = steps["dh"].shape[:2]
    values: list[TraceValue] = []
    unknown_layer = False
    for p in run:
        t = p["t"]
        if not 0 <= t < T:
            continue
        for q in QUANTITIES:
            if q not in p["values"]:
                continue
            per_layer = _per_layer(p["values"][q], p["l"], L)
            if per_layer is None:
                unknown_layer = True
                continue
            for l, arr in per_layer:
                if 0 <= l < L:
                    values.append(_traced_value(t, l, q, arr, steps[q][l, t], names[q], tol))
    return values, unknown_layer


def _per_layer(v, layer: int | None, L: int) -> list[tuple[int, object]] | None:
    """The ``(layer, array)`` pairs one traced value stands for; None when the network
    has several layers and the pass does not say which one it is."""
    if isinstance(v, dict):                       # one array per layer
        per_layer = list(enumerate(v["layers"]))[:L]
        if layer is not None:                     # a pass of one layer: its own entry
            per_layer = [x for x in per_layer if x[0] == layer]
        return per_layer
    if layer is not None:
        return [(layer, v)]
    if L == 1:
        return [(0, v)]
    return None


def _traced_value(t: int, l: int, q: str, arr, ref: np.ndarray, name: str, tol: float) -> TraceValue:
    """One user value put in rnn-tui's ``(B, X)`` layout and compared with the stepper's."""
    u = to_layout(np.asarray(arr), ref.shape)
    if u is None:
        return TraceValue(t, l, q, None, ref, float("nan"), float("nan"), False,
                          note=f"your {name} at t = {t} has shape {tuple(np.shape(arr))}; "
                               f"expected {ref.shape} (batch, width) or its transpose")
    m, rel = _rel(u, ref)
    return TraceValue(t, l, q, u, ref, m, rel, rel <= tol)


def _whole_arrays_left_out(values: list[TraceValue], names: dict[str, str]) -> tuple[list[TraceValue], list[str]]:
    """A name whose value has no timestep's shape at any pass (an array of the whole
    sequence, say) is not traced, with a note; the values left, and the notes."""
    notes, out, left = [], values, []
    for q in QUANTITIES:
        vs = [v for v in values if v.quantity == q]
        if vs and all(v.yours is None for v in vs):
            out = [v for v in out if v.quantity != q]
            left.append(q)
            notes.append(f"{vs[0].note}: not one timestep's value, so {q} is not traced")
    if len(left) > 1 and not out:
        # nothing has a timestep's (batch, width) shape: a loop over one example at a time, most often
        first = next(v for v in values if v.quantity == left[0])
        B = first.reference.shape[0]
        notes = [f"none of {', '.join(left)} holds the whole batch at a timestep ({first.note}), so the "
                 "trace did not run" + (f"; a loop over one example at a time is traced with --batch 1 "
                                        f"(this check ran {B})" if B > 1 else "")]
    return out, notes


def _constant_factors(values: list[TraceValue], names: dict[str, str], tol: float, grads_ok: bool) -> list[str]:
    """Notes on quantities that are one constant times the reference at every timestep;
    when the gradients passed, their values are marked as agreeing."""
    notes = []
    for q in QUANTITIES:
        vs = [v for v in values if v.quantity == q and v.yours is not None]
        if not vs or all(v.ok for v in vs):
            continue
        u = np.concatenate([v.yours.ravel() for v in vs])
        r = np.concatenate([v.reference.ravel() for v in vs])
        rr = float(r @ r)
        if rr == 0 or not np.all(np.isfinite(u)):
            continue
        s = float(u @ r) / rr
        if abs(s - 1) > 1e-6 and s != 0 and _rel(u, s * r)[1] <= tol:
            notes.append(f"your {names[q]} is {s:.6g}× the reference at every timestep"
                         + (" (a constant your gradients account for later)" if grads_ok else ""))
            if grads_ok:
                for v in vs:
                    v.ok = True
    return notes
