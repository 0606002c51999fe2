"""Check 6: from the evidence of checks 1–5 to the classic mistake, with a hint.

A mistake is named *exactly* when :func:`rnn_tui.core.usercheck.variants.run` with
it switched on reproduces the user's loss, ``h_last`` and every gradient to the
check's tolerance — and, where the trace saw them, their ``dy``, ``dh``, ``dhraw``
and ``dhnext`` at every timestep (which tells "``+ dhnext`` missing" from "dhnext
never updated": the gradients of the two are the same).  Single mistakes are tried
first, then pairs.  Clipping and scaling are seen after the loop: gradients that
equal the reference cut at ``±c`` (on the example with large gradients) or a
constant multiple of it.  Calls that keep adding to the last call's sums are seen
by calling twice.

When nothing reproduces the user's values, the findings say where the evidence
points: a forward pass that computes something else (check 1 fails, check 3
passes), the first timestep and quantity that differ, or the sums into the
gradients when every traced delta agrees.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

import numpy as np

from rnn_tui.core.model import Spec, forward, layer_names
from rnn_tui.core.usercheck import variants
from rnn_tui.core.usercheck.contracts import Example, Reference, UserResult
from rnn_tui.core.usercheck.report import Finding, ParamError, Trace, TraceValue, rel, shown_timesteps


@dataclass
class Evidence:
    """What checks 1–5 saw, for :func:`diagnose`.

    Attributes:
        user: the user's values on the main example (a call's own gradients: the
            change from the previous call when the function accumulates).
        accumulating: parameters whose second identical call returned more (the
            first call's gradient added again).
        repeat_differs: the second identical call returned something else.
        probe: ``(params, example, reference, user)`` of the large-gradient example.
        consistency_ok: check 3 (None when it did not run); ``ignores_weights``:
            moving any weight left the user's loss unchanged.
        shortest, shortest_params: check 4's shortest failing length and the
            parameters failing there.
    """

    spec: Spec
    params: dict
    main: Example
    ref: Reference
    user: UserResult
    close: object                          # (yours, ref) -> bool, the check's tolerance
    errors: object                         # (yours, ref) -> list[ParamError]
    tol: float
    forward_ok: bool
    grads_ok: bool
    grad_errors: list[ParamError]
    accumulating: list[str] = field(default_factory=list)
    repeat_differs: bool = False
    trace: Trace | None = None
    probe: tuple | None = None
    consistency_ok: bool | None = None
    ignores_weights: bool = False
    shortest: int | None = None
    shortest_params: list[str] = field(default_factory=list)
    batch: int = 1
    contract: str = "lossFun"
    low_precision: list[str] = field(default_factory=list)
    nonfinite: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)          # module arrays a call changed (state between calls)


QUANTITY_HINTS = {
    "dy": "dy = np.copy(ps[t]); dy[targets[t]] -= 1 (p − onehot(target))",
    "dh": "dh = np.dot(Why.T, dy) + dhnext",
    "dhraw": "dhraw = (1 - hs[t] * hs[t]) * dh",
    "dhnext": "dhnext = np.dot(Whh.T, dhraw)",
}
SUM_HINTS = {
    "Wxh": "dWxh += np.dot(dhraw, xs[t].T)", "Whh": "dWhh += np.dot(dhraw, hs[t-1].T)",
    "bh": "dbh += dhraw", "Why": "dWhy += np.dot(dy, hs[t].T)", "by": "dby += dy",
}
DY_HINTS = {"sigmoid_mse": "dy = (p - y) * p * (1 - p), then / B and × the mask",
            "linear_mse": "dy = p - y, then / B and × the mask",
            "sigmoid_bce": "dy = p - y, then / B and × the mask"}


def _quantity_hint(q: str, spec: Spec, contract: str, layer: int = 0, masked: bool = True) -> str:
    """The line that computes ``q``; ``masked``: the task weighs its timesteps (a mask
    that is not all ones), which dy then carries."""
    if q == "dy" and spec.head in DY_HINTS:
        return DY_HINTS[spec.head] if masked else DY_HINTS[spec.head].replace(" and × the mask", "")
    if q == "dy" and contract != "lossFun":
        return "dy = p − onehot(target), / B for the batch's mean" + (" (and × the mask)" if masked else "")
    if q == "dhraw" and spec.activation == "sigmoid":
        return "dhraw = hs[t] * (1 - hs[t]) * dh"
    if q == "dh" and layer < spec.layers - 1:                   # a lower layer: fed from the one above
        return (f"dh = dhraw_above @ Wxh{layer + 1} + dhnext: layer {layer}'s dh_t comes from layer "
                f"{layer + 1}'s dhraw_t (through its Wxh), not from dy")
    return QUANTITY_HINTS[q] if contract == "lossFun" else variants.in_rows(QUANTITY_HINTS[q])


def _base(name: str) -> str:
    return name.rstrip("0123456789") or name


def _sum_hint(name: str, contract: str = "lossFun", index_input: bool = False) -> str:
    hint = SUM_HINTS.get(_base(name), f"d{name}")
    if contract == "lossFun":
        return hint
    if index_input and name in ("Wxh", "Wxh0"):                 # the first layer's inputs are symbol indices
        return "np.add.at(dWxh.T, inputs[t], dhraw): a symbol seen twice adds twice"
    return variants.in_rows(hint)


def _loc(v: TraceValue, layers: int) -> str:
    return f"t = {v.t}" + (f", layer {v.layer}" if layers > 1 else "")


def trace_agreement(trace: Trace | None, v: variants.Variant, tol: float) -> tuple[int, int]:
    """How many of the user's traced values equal the variant's at the same pass."""
    if trace is None:
        return 0, 0
    ok = total = 0
    for tv in trace.values:
        if tv.yours is None:
            continue
        pred = v.steps[tv.quantity][tv.layer, tv.t]
        if np.all(np.isnan(pred)):
            continue
        total += 1
        d = np.abs(tv.yours - pred)
        scale = max(float(np.max(np.abs(tv.yours))), float(np.max(np.abs(pred))))
        ok += bool(float(d.max()) <= tol * scale) if scale > 0 else True
    return ok, total


def _same_forward(ev: Evidence, v: variants.Variant) -> bool:
    r_loss = v.loss
    if not abs(ev.user.loss - r_loss) <= ev.tol * max(abs(r_loss), 1e-300):
        return False
    h = v.cache.hlast
    return float(np.max(np.abs(ev.user.h_last - h))) <= ev.tol * max(float(np.max(np.abs(h))), 1e-300)


def _max_err(ev: Evidence, v: variants.Variant) -> float:
    return max(p.max_rel for p in ev.errors(ev.user.grads, v.grads))


def search(ev: Evidence) -> list[tuple[frozenset, variants.Variant, tuple[int, int]]]:
    """The smallest sets of mistakes that reproduce the user's values, best trace
    agreement first (several when the evidence cannot tell them apart)."""
    spec, m = ev.spec, ev.main
    T = m.T
    found = []
    for pairs in (False, True):
        for flags in variants.candidates(spec, T, pairs=pairs):
            if pairs and len(flags) < 2:
                continue
            v = variants.run(spec, ev.params, m.x, m.y, m.h0, m.mask, flags, cache=ev.ref.cache)
            if ev.close(ev.user.grads, v.grads) and _same_forward(ev, v):
                found.append((flags, v, trace_agreement(ev.trace, v, ev.tol)))
        if found:
            break
    if not found:
        return []
    size = min(len(f) for f, _, _ in found)
    found = [x for x in found if len(x[0]) == size]

    def frac(a):
        return a[0] / a[1] if a[1] else 0.0

    best = max(frac(a) for _, _, a in found)
    return [x for x in found if frac(x[2]) == best]


def _length_evidence(ev: Evidence, sums: bool = False) -> str | None:
    """What check 4 found, and where it points; ``sums``: a named mistake in a sum
    over t reproduces the values (the recurrent path is then not the suspect)."""
    if ev.shortest is None:
        return None
    failing = ", ".join(f"d{k}" for k in ev.shortest_params)
    if ev.shortest == 1:
        return f"already wrong for a sequence of one timestep ({failing})"
    if ev.shortest == 2:
        recurrent = not sums and any(_base(k) in ("Wxh", "Whh") for k in ev.shortest_params)
        fm = ev.trace.first_mismatch if ev.trace is not None else None
        if fm is not None and fm.quantity == "dy":                 # dy comes before any recurrence
            return f"right for one timestep, wrong from two ({failing})"
        return (f"right for one timestep, wrong from two ({failing}): "
                + ("the recurrent path — dhnext — is the suspect" if recurrent else
                   "a sum over the timesteps is the suspect"))
    return f"right up to {ev.shortest - 1} timesteps, wrong from {ev.shortest} ({failing})"


def _trace_evidence(ev: Evidence, v: variants.Variant | None) -> str | None:
    tr = ev.trace
    if tr is None or tr.first_mismatch is None:
        if tr is not None and tr.values and tr.first_mismatch is None:
            if tr.missing:
                return ("every traced " + ", ".join(tr.found) + " agrees with rnn-tui's where your loop went, "
                        "but it never processed t = " + ", ".join(str(t) for t in tr.missing[:5]))
            return "every traced " + ", ".join(tr.found) + " agrees with rnn-tui's at every timestep"
        return None
    fm = tr.first_mismatch
    where = f"the trace first differs in {fm.quantity} at {_loc(fm, ev.spec.layers)} (relative {fm.rel:.1e})"
    if v is not None and fm.yours is not None:
        pred = v.steps[fm.quantity][fm.layer, fm.t]
        scale = max(float(np.max(np.abs(fm.yours))), float(np.max(np.abs(pred))), 1e-300)
        if float(np.max(np.abs(fm.yours - pred))) <= ev.tol * scale:
            where += ", and there yours is exactly what this mistake gives"
    return where


def _specific(flag: str, ev: Evidence, v: variants.Variant) -> list[str]:
    """Evidence that only one mistake has."""
    tr, T, out = ev.trace, ev.main.T, []
    if flag == "no_dhnext" and tr is not None:
        dh = [x for x in tr.values if x.quantity == "dh" and x.t == T - 2 and x.yours is not None]
        if dh:
            out.append(f"your dh at t = {T - 2} is Whyᵀ dy alone: nothing came back from t = {T - 1}")
    if flag == "dhnext_stale" and tr is not None:
        dn = [x for x in tr.values if x.quantity == "dhnext" and x.yours is not None]
        if dn and all(float(np.max(np.abs(x.yours))) == 0.0 for x in dn):
            out.append(f"your {tr.names.get('dhnext', 'dhnext')} is zero at every timestep")
    if flag == "h0_zero":
        carried = "hprev" if ev.contract == "lossFun" else "h0"
        out.append(f"your loss {ev.user.loss:.10g} is the loss from a zero state ({v.loss:.10g}), "
                   f"not from {carried} ({ev.ref.loss:.10g})")
    if flag.endswith("_last"):
        out.append(f"your d{flag[1:-5]} is the term of t = 0 alone")
    if flag == "dy_no_target" and tr is not None:
        dy = [x for x in tr.values if x.quantity == "dy" and x.yours is not None]
        if dy and dy[0].yours is not None and ev.spec.head == "softmax_ce":
            s = float(np.sum(dy[0].yours))
            out.append(f"your dy at t = {dy[0].t} sums to {s:.4g}: it is a probability vector "
                       f"(p − onehot sums to 0)")
    return out


def _finding(flags: frozenset, ev: Evidence, v: variants.Variant, agreement: tuple[int, int]) -> list[Finding]:
    err = _max_err(ev, v)
    common = [f"your gradients equal rnn-tui's BPTT with this mistake made (largest relative "
              f"difference {rel(err, 0)})"]
    ok, total = agreement
    if total and ok < total:
        common.append(f"but {total - ok} of your {total} traced values differ from what it gives: "
                      "there may be more to it")
    sums = any(f.endswith("_last") for f in flags)
    for extra in (_trace_evidence(ev, v), _length_evidence(ev, sums)):
        if extra:
            common.append(extra)
    out = []
    for flag in sorted(flags, key=variants.FLAGS.index):
        title, hint = variants.describe(flag, ev.spec.activation, ev.contract)
        out.append(Finding(flag, title, hint, _specific(flag, ev, v) + common, exact=ok == total))
    return out


def _tied(matches, ev: Evidence) -> list[Finding] | None:
    """``+ dhnext`` missing and dhnext never updated give the same gradients; when the
    trace did not see dhnext, say both."""
    ids = {next(iter(f)) for f, _, _ in matches if len(f) == 1}
    if ids == {"no_dhnext", "dhnext_stale"}:
        return [Finding("no_dhnext", "`+ dhnext` missing from dh, or dhnext never updated",
                        "dh = np.dot(Why.T, dy) + dhnext, and end each pass with dhnext = np.dot(Whh.T, dhraw)",
                        ["both give these gradients exactly; trace dhnext (--names dhnext=NAME) to tell "
                         "which"] + [e for e in (_length_evidence(ev),) if e],
                        exact=True)]
    return None


def _clipped(ev: Evidence, how: str, evidence: list[str]) -> Finding:
    """The finding "gradients clipped inside the function", ``how`` saying to what."""
    title, hint = variants.describe("clipped", ev.spec.activation, ev.contract)
    return Finding("clipped", f"{title} ({how})", hint, evidence, exact=True)


def _clip_findings(ev: Evidence, flags: frozenset) -> list[Finding]:
    """Clipping seen on the large-gradient example (or on the main one)."""
    if ev.probe is None:
        return []
    params, ex, ref, user = ev.probe
    v = variants.run(ev.spec, params, ex.x, ex.y, ex.h0, ex.mask, flags) if flags else None
    target = v.grads if v is not None else ref.grads
    if ev.close(user.grads, target):
        return []
    big = max(float(np.max(np.abs(g))) for g in target.values())
    c = variants.clip_value_fit(user.grads, target, ev.close)
    if c is not None:
        return [_clipped(ev, f"to ±{c:.3g}",
                         [f"on an example whose gradients reach {big:.3g}, yours are rnn-tui's cut at ±{c:.3g}",
                          "where the gradients stay below that, yours agree"])]
    s = variants.scale_fit(user.grads, target, ev.close)
    if s is not None and s < 1:
        n = variants.norm(user.grads)
        return [_clipped(ev, f"by their norm, to {n:.3g}",
                         [f"on an example whose gradients have norm {variants.norm(target):.3g}, yours are "
                          f"the same gradients scaled by {s:.3g} to norm {n:.3g}"])]
    cut = _clipped_in_loop(ev, flags)
    if cut is not None:
        return [cut]
    worst = max(ev.errors(user.grads, target), key=lambda p: p.max_rel)
    return [Finding("large", "on large gradients yours differ from rnn-tui's",
                    "look for code that treats large values specially (clipping, thresholds)",
                    [f"on an example whose gradients reach {big:.3g}, d{worst.name} differs "
                     f"(relative {worst.max_rel:.1e}), though the main example agrees"])]


CLIPS_TRIED = (5.0, 1.0, 10.0, 3.0, 2.0, 0.5, 0.1, 15.0, 20.0, 50.0, 100.0)
"""The bounds a learner clips at inside the loop that :func:`_clipped_in_loop` tries."""


def _clipped_in_loop(ev: Evidence, flags: frozenset) -> Finding | None:
    """The large-gradient example's gradients are BPTT's with ``dh`` or ``dhnext`` cut
    to ±c at every timestep, or with the sums cut at the end of every timestep: a
    clip inside the backward loop."""
    params, ex, ref, user = ev.probe
    for quantity in ("dh", "dhnext", "sums"):
        for c in CLIPS_TRIED:
            v = variants.run(ev.spec, params, ex.x, ex.y, ex.h0, ex.mask, flags, clip=(quantity, c))
            if not ev.close(user.grads, v.grads):
                continue
            hint = ("clip the summed gradients once, after the loop, in the training step: BPTT needs the "
                    "exact values")
            if quantity == "sums":
                return Finding("clipped_in_loop", f"the gradient sums are clipped to ±{c:.3g} inside the "
                                                  "backward loop, at every timestep",
                               f"move the clipping out of the loop over t; {hint}",
                               [f"on an example whose gradients reach "
                                f"{max(float(np.max(np.abs(g))) for g in ref.grads.values()):.3g}, yours are "
                                f"BPTT's with every sum cut to ±{c:.3g} after each timestep's terms"], exact=True)
            top = float(np.max(np.abs(ref.steps[quantity])))
            return Finding("clipped_in_loop", f"{quantity} is clipped to ±{c:.3g} inside the backward loop",
                           f"do not clip {quantity} inside the backward loop; {hint}",
                           [f"on an example where rnn-tui's {quantity} reaches {top:.3g}, your gradients are "
                            f"BPTT's with {quantity} cut to ±{c:.3g} at every timestep",
                            f"on the main example {quantity} stays within ±{c:.3g}, and yours agree"],
                           exact=True)
    return None


def in_list_indexing(findings: list[Finding], states_in_a_list: bool) -> list[Finding]:
    """The findings with min-char-rnn's ``hs[t]`` (a dict from ``hs[-1] = hprev``)
    written as a file that keeps its states in a list from ``hprev`` indexes them:
    ``hs[t+1]`` is h_t, ``hs[t]`` is h_{t-1}, ``hs[0]`` is hprev."""
    if not states_in_a_list:
        return findings

    def moved(text: str) -> str:
        text = re.sub(r"hs\[t\]", "hs[t+1]", text)
        text = re.sub(r"hs\[t ?- ?1\]", "hs[t]", text)
        return re.sub(r"hs\[-1\]", "hs[0]", text)

    return [dataclasses.replace(f, title=moved(f.title), hint=moved(f.hint)) for f in findings]


def diagnose(ev: Evidence) -> list[Finding]:
    """The findings, most certain first; empty when every check passed."""
    if ev.nonfinite:
        # nothing compares with NaN: say so, not what the comparisons make of it
        return [Finding("nonfinite", f"your {ev.contract} returns NaN or infinite values",
                        "look for a log or a division of 0, or an overflowing exp (a softmax without "
                        "its max taken off); NaN in a weight or in hprev spreads to everything after it",
                        [", ".join(ev.nonfinite) + f" on weights and inputs where rnn-tui's loss is "
                         f"{ev.ref.loss:.10g}"], exact=True)]
    out = _repeat_findings(ev)
    if ev.ignores_weights:
        # nothing else can be compared while the function computes with weights of its own
        return out + [_ignores_weights(ev)]
    matches = search(ev) if not ev.grads_ok or not ev.forward_ok else [(frozenset(), None, (0, 0))]
    if matches:
        flags, v, agreement = matches[0]
        if flags:
            tied = _tied(matches, ev) if len(matches) > 1 else None
            out.extend(tied or _finding(flags, ev, v, agreement))
        # (calls that are not independent confound the large-gradient example's comparison)
        return out + ([] if ev.repeat_differs and not ev.accumulating else _clip_findings(ev, flags))
    # nothing reproduces the main example: clipping or a constant factor on top of BPTT?
    truncated = _truncated(ev) if ev.forward_ok else None
    if truncated:
        return out + [truncated]
    return out + (_on_top_of_bptt(ev) or _precision(ev) or _fallback(ev))


def _repeat_findings(ev: Evidence) -> list[Finding]:
    """What calling twice with the same arguments showed: sums that carry over, or
    calls that are not independent."""
    if ev.accumulating:
        title, hint = variants.describe("not_reset", ev.spec.activation, ev.contract)
        names = ", ".join(f"d{k}" for k in ev.accumulating)
        return [Finding("not_reset", title, hint,
                        [f"called twice with the same arguments, the second call's {names} are the "
                         "first call's plus its gradient again: the sums carry over",
                         "each call's own share (the change from the call before) is what the other "
                         "checks compare"], exact=True)]
    if ev.repeat_differs and ev.kept:
        names = ", ".join(ev.kept)
        return [Finding("not_independent", f"state is kept between calls in the global {names}",
                        f"make {ev.kept[0]} a local of the function, set afresh at every call "
                        f"(e.g. {ev.kept[0]} = np.zeros_like(…) before the backward loop)",
                        [f"called twice with the same arguments, it returned different values, and each call "
                         f"changed the module's {names}: a call starts from what the one before left"],
                        exact=True)]
    if ev.repeat_differs:
        return [Finding("not_independent", "calls are not independent",
                        "the function must depend only on its arguments and the weights rnn-tui sets",
                        ["called twice with the same arguments, it returned different values"])]
    return []


def _ignores_weights(ev: Evidence) -> Finding:
    """The user's loss did not move with any weight: it is computed on weights of its own."""
    where = "globals Wxh, Whh, Why, bh, by" if ev.contract == "lossFun" else "params it is given"
    return Finding("ignores_weights", "your loss does not change with the weights rnn-tui sets",
                   f"read the weights from the {where}; do not keep your own copies",
                   ["moving any weight by ±0.002 left your loss exactly the same",
                    f"so your loss ({ev.user.loss:.10g}) is not computed on rnn-tui's weights "
                    f"(rnn-tui's: {ev.ref.loss:.10g})"])


def _on_top_of_bptt(ev: Evidence) -> list[Finding]:
    """rnn-tui's gradients on the main example clipped, or times one constant (empty
    when neither, or when the forward pass differs)."""
    if not ev.forward_ok:
        return []
    c = variants.clip_value_fit(ev.user.grads, ev.ref.grads, ev.close)
    if c is not None:
        return [_clipped_by_value(ev, c)]
    s = variants.scale_fit(ev.user.grads, ev.ref.grads, ev.close)
    if s is not None:
        return [_scaled(ev, s)]
    return []


def _clipped_by_value(ev: Evidence, c: float) -> Finding:
    """Gradients that are rnn-tui's cut at ``±c``, confirmed on the large example when it ran."""
    lines = [f"your gradients are rnn-tui's cut at ±{c:.3g}: they agree wherever rnn-tui's stay "
             f"below {c:.3g}"]
    if ev.probe is not None:
        _, _, pref, puser = ev.probe
        big = max(float(np.max(np.abs(g))) for g in pref.grads.values())
        if variants.clip_value_fit(puser.grads, pref.grads, ev.close) == c:
            lines.append(f"on an example whose gradients reach {big:.3g}, yours stop at ±{c:.3g} too")
    return _clipped(ev, f"to ±{c:.3g}", lines)


def _near(a: float, b: float) -> bool:
    """``a`` is the factor ``b`` (to the 1e-6 a least-squares fit of the gradients gives)."""
    return abs(a - b) <= 1e-6 * abs(b)


def _scaled(ev: Evidence, s: float) -> Finding:
    """Gradients that are ``s`` × rnn-tui's: a sign error, a division by T, a sum over
    the batch, a clip by norm, or a constant in the loss."""
    B, T = ev.batch, ev.main.T
    if _near(s, -1.0):
        return Finding("sign", "every gradient has the wrong sign",
                       "dy = p − onehot(target) is the loss's gradient (dy[target] -= 1, not += 1); "
                       "the gradients returned are of the loss, the update subtracts them",
                       ["every gradient is exactly −1 × rnn-tui's"], exact=True)
    if s < 0:
        return Finding("sign", f"every gradient is {s:.6g}× rnn-tui's: the wrong sign",
                       "look for a minus sign in dy or in the loss (dy = p − onehot(target))",
                       [f"yours / rnn-tui's = {s:.6g} for every entry"], exact=True)
    if B > 1 and _near(s, B):
        return Finding("scaled", f"gradients {B}× too large: summed over the batch, not averaged",
                       "the loss is the batch's mean: divide dy by B (the batch size)",
                       [f"every gradient is exactly {B} (= B) × rnn-tui's"], exact=True)
    scales = [(1 / T, f"divided by T = {T}", f"1/{T}", "the loss is summed over the timesteps, not "
               "averaged: do not divide the gradients (or dy) by T"),
              (T, f"multiplied by T = {T}", f"{T}", "each timestep's dy counts once: look for a sum over "
               "every timestep added at each one")]
    if B > 1:
        scales.append((1 / (T * B), f"divided by T·B = {T * B}", f"1/{T * B}", "the loss is the batch's "
                       "mean summed over the timesteps: divide dy by B only"))
    for factor, what, exact, hint in scales if T > 1 else []:
        if _near(s, factor):
            return Finding("scaled", f"gradients {what}", hint,
                           [f"every gradient is exactly {exact} × rnn-tui's"], exact=True)
    if s < 1 and not _constant_on_probe(ev, s):
        n = variants.norm(ev.user.grads)
        return _clipped(ev, f"by their norm, to {n:.3g}",
                        [f"every gradient is rnn-tui's × {s:.4g}, the same factor for all: "
                         f"their norm is cut to {n:.3g}"])
    return Finding("scaled", f"every gradient is {s:.6g}× rnn-tui's",
                   "a constant factor: check the loss's scale (a ½, a mean) against dy",
                   [f"yours / rnn-tui's = {s:.6g} for every entry"]
                   + (["on a second example with larger gradients the factor is the same: a constant, "
                       "not a clip"] if s < 1 else []), exact=True)


def _constant_on_probe(ev: Evidence, s: float) -> bool:
    """Whether the large-gradient example shows the same factor ``s`` (a constant in the
    code; a clip by norm would scale that example's larger gradients by another)."""
    if ev.probe is None:
        return False
    _, _, pref, puser = ev.probe
    ps = variants.scale_fit(puser.grads, pref.grads, ev.close)
    return ps is not None and _near(ps, s)


def _precision(ev: Evidence) -> list[Finding]:
    """Arrays that came back in lower precision than float64 (empty when none did)."""
    if not ev.low_precision:
        return []
    return [Finding("precision", "your arrays are not float64",
                    "keep every array float64 (np.float64, no astype(np.float32)) for the check",
                    [f"{', '.join(ev.low_precision)} came back in lower precision: float32 carries "
                     "about 7 digits, and the check compares to 1e-7",
                     _trace_evidence(ev, None) or "the gradients differ at the level float32 rounds at"])]


def _ranges(ts: list[int]) -> str:
    """``[0, 1, 2, 5]`` as ``0 … 2, 5``."""
    parts, i = [], 0
    while i < len(ts):
        j = i
        while j + 1 < len(ts) and ts[j + 1] == ts[j] + 1:
            j += 1
        parts.append(str(ts[i]) if i == j else f"{ts[i]} … {ts[j]}")
        i = j + 1
    return ", ".join(parts) or "none"


def _factor_of(ev: Evidence, name: str) -> tuple[str, str]:
    """``("1/B", hint)`` when one gradient is rnn-tui's times 1/B, B or 1/T; else ``("", "")``."""
    s = variants.scale_fit({name: ev.user.grads[name]}, {name: ev.ref.grads[name]}, ev.close)
    B, T = ev.batch, ev.main.T
    if s is None:
        return "", ""
    one = np.count_nonzero(ev.ref.grads[name]) < 2               # any two numbers have a ratio
    for factor, what, hint in ((1 / B, f"1/{B} (1/B)", f"d{name} sums over the batch: dy already carries the 1/B"),
                               (B, f"{B} (B)", f"d{name}: the batch's mean is in dy (/ B), not a sum over it"),
                               (1 / T, f"1/{T} (1/T)", f"d{name} sums over the timesteps; do not divide it by T")):
        if factor != 1 and _near(s, factor):
            return what, hint
    return ("", "") if one else (f"{s:.6g}", "")


def truncated_bptt(ev: Evidence, k: int) -> dict[str, np.ndarray]:
    """The gradients of BPTT truncated as Denny Britz's tutorial does it
    (``bptt_truncate``): from each t's output, back at most ``k`` steps, with no
    ``dhnext`` carried from one t to the next.  One layer; rnn-tui's forward pass."""
    spec, p, cache = ev.spec, ev.params, ev.ref.cache
    wxh, whh, bh = layer_names(1)[0]
    g = {name: np.zeros_like(v) for name, v in p.items()}
    h, h0, x = cache.h[0], cache.h0[0], cache.x                       # (T, B, H), (B, H)
    dy = ev.ref.steps["dy"][0]                                         # (T, B, V)
    deriv = (lambda a: 1 - a * a) if spec.activation == "tanh" else (lambda a: a * (1 - a))
    T = h.shape[0]
    for t in range(T):
        g["Why"] += dy[t].T @ h[t]
        if "by" in g:
            g["by"] += dy[t].sum(axis=0)
        delta = (dy[t] @ p["Why"]) * deriv(h[t])                       # (B, H)
        for s in range(t, max(0, t - k) - 1, -1):
            prev = h[s - 1] if s > 0 else h0
            g[whh] += delta.T @ prev
            if spec.index_input:
                np.add.at(g[wxh].T, x[s], delta)
            else:
                g[wxh] += delta.T @ x[s]
            if bh in g:
                g[bh] += delta.sum(axis=0)
            delta = (delta @ p[whh]) * deriv(prev)
    return g


def _truncated(ev: Evidence) -> Finding | None:
    """The user's gradients are truncated BPTT's, going back ``shortest - 2`` steps."""
    if ev.spec.layers != 1 or ev.shortest is None or ev.shortest < 3:
        return None
    k = ev.shortest - 2
    if not ev.close(ev.user.grads, truncated_bptt(ev, k)):
        return None
    return Finding("truncated", f"your backward pass goes at most {k} steps back from each t (truncated BPTT)",
                   "full BPTT carries the gradient from every timestep back to t = 0 (dhnext); to check "
                   "yours, set bptt_truncate to the sequence's length",
                   [f"right up to {ev.shortest - 1} timesteps, wrong from {ev.shortest}",
                    f"your gradients equal BPTT truncated at {k} steps back from each t (bptt_truncate = {k})"],
                   exact=True)


def _transposed(ev: Evidence, name: str) -> bool:
    """The user's gradient of a square weight is rnn-tui's transposed (and not symmetric)."""
    yours, ref = np.asarray(ev.user.grads[name]), np.asarray(ev.ref.grads[name])
    if ref.ndim != 2 or ref.shape[0] != ref.shape[1] or yours.shape != ref.shape:
        return False
    return ev.close({name: yours}, {name: ref.T}) and not ev.close({name: ref}, {name: ref.T})


def _other_activation(ev: Evidence) -> str | None:
    """The activation the user's loss was computed with, when it is not the one checked."""

    other = "sigmoid" if ev.spec.activation == "tanh" else "tanh"
    m = ev.main
    with np.errstate(all="ignore"):
        loss = forward(dataclasses.replace(ev.spec, activation=other), ev.params, m.x, m.y, m.h0, m.mask).loss
    return other if np.isclose(loss, ev.user.loss, rtol=1e-9, atol=0.0) else None


def _clipped_value(fm: TraceValue, layers: int) -> tuple[str, str] | None:
    """A traced value that is rnn-tui's cut at ±c (a clip inside the loop): what it says
    and the hint; None when it is not that."""
    if fm.yours is None:
        return None
    c = float(np.max(np.abs(fm.yours)))
    ref = fm.reference
    if not c > 0 or not np.any(np.abs(ref) > c * (1 + 1e-6)):
        return None
    if not np.allclose(fm.yours, np.clip(ref, -c, c), rtol=1e-9, atol=1e-12 * c):
        return None
    return (f"at {_loc(fm, layers)} your {fm.quantity} is rnn-tui's cut at ±{c:.3g}: they agree wherever "
            f"rnn-tui's stays within ±{c:.3g}",
            f"do not clip {fm.quantity} inside the backward loop: BPTT needs the exact values; clip the "
            "summed gradients once, after the loop, in the training step")


def _target_entry(ev: Evidence, fm: TraceValue) -> tuple[str, str] | None:
    """A softmax ``dy_t`` whose −1 sits at another entry than the target's (an index
    off by one, the input taken for the target): what it says and the hint; None
    when the difference is not that."""
    if fm.quantity != "dy" or ev.spec.head != "softmax_ce" or fm.yours is None:
        return None
    d = (fm.yours - fm.reference)[0]                        # example 0: +1 at the target, −1 where yours put it
    B = ev.batch
    up, down = np.flatnonzero(np.isclose(d, 1.0 / B)), np.flatnonzero(np.isclose(d, -1.0 / B))
    if len(up) != 1 or len(down) != 1 or not np.allclose(np.delete(d, [up[0], down[0]]), 0.0, atol=1e-9):
        return None
    t, target, took = fm.t, int(up[0]), int(down[0])
    y, x = ev.main.y[:, 0], ev.main.x[:, 0]
    named = next((f"targets[t{off:+d}]" for off in (-1, 1, -2, 2) if 0 <= t + off < len(y) and y[t + off] == took),
                 "inputs[t]" if ev.main.x.ndim == 2 and x[t] == took else f"entry {took}")
    hint = ("dy[targets[t]] -= 1" if ev.contract == "lossFun" else "subtract 1 at each example's targets[t]")
    return (f"at t = {t} your dy takes the 1 off entry {took} ({named}, it seems), not off the target "
            f"entry {target} (targets[t])",
            f"{hint}: the target of timestep t is targets[t], the symbol that follows inputs[t]")


def _same_state(a: np.ndarray, b: np.ndarray, tol: float) -> bool:
    return a.shape == b.shape and float(np.max(np.abs(a - b), initial=0.0)) <= tol * max(float(np.max(np.abs(b), initial=0.0)), 1e-12)


def _h_last_finding(ev: Evidence) -> Finding:
    """The loss agrees and the state returned does not: which state it is."""
    yours, h = np.asarray(ev.user.h_last), ev.ref.cache.h                # (L, B, H); h (L, T, B, H)
    T = h.shape[1]
    last = "hs[len(inputs)-1]" if ev.contract == "lossFun" else "the state after the last timestep"
    if _same_state(yours, np.asarray(ev.main.h0), ev.tol):
        what = ("it is the state the window started from (hprev): in min-char-rnn's dict hs[-1] is hprev, "
                "not the last state" if ev.contract == "lossFun" else "it is the state the window started from")
    else:
        t = next((t for t in range(T - 1) if _same_state(yours, h[:, t], ev.tol)), None)
        what = f"it is h_t at t = {t}, not at t = {T - 1}" if t is not None else \
            f"it is none of h_0 … h_{T - 1} (nor the state carried in)"
    return Finding("h_last", f"the h_last you return is not the last hidden state h_{T - 1}; "
                             "your loss and gradients are right" if ev.grads_ok else
                   f"the h_last you return is not the last hidden state h_{T - 1}",
                   f"return {last} as the state carried to the next window",
                   [f"your loss is rnn-tui's ({ev.ref.loss:.10g}); {what}"], exact=True)


def _fallback(ev: Evidence) -> list[Finding]:
    """Where the evidence points when no known mistake reproduces the user's values."""
    out: list[Finding] = []
    spec = ev.spec
    length = _length_evidence(ev)
    if not ev.forward_ok and abs(ev.user.loss - ev.ref.loss) <= ev.tol * abs(ev.ref.loss):
        return [_h_last_finding(ev)]
    if not ev.forward_ok and ev.main.T > 1 and _near(ev.user.loss, ev.ref.loss / ev.main.T):
        T = ev.main.T
        s = variants.scale_fit(ev.user.grads, ev.ref.grads, ev.close)
        return [Finding("loss_mean", f"your loss is the mean over the {T} timesteps, not their sum",
                        "add up -log ps[t][target] over t without dividing by T: min-char-rnn's loss (and "
                        "rnn-tui's) is the sum over the window" + (", and so are the gradients"
                                                                   if s is not None and _near(s, 1 / T) else ""),
                        [f"your loss {ev.user.loss:.10g} is rnn-tui's {ev.ref.loss:.10g} / {T} exactly"]
                        + ([f"your gradients are rnn-tui's / {T} too: they follow your loss"]
                           if s is not None and _near(s, 1 / T) else []), exact=True)]
    if not ev.forward_ok:
        other = _other_activation(ev)
        if other:
            return [Finding("activation", f"your hidden layer is a {other}; rnn-tui checked a {spec.activation} "
                                          "network", f"run the check with --activation {other}",
                            [f"your loss ({ev.user.loss:.10g}) is rnn-tui's with a {other} hidden layer on the same "
                             f"weights and inputs; with {spec.activation} it is {ev.ref.loss:.10g}"], exact=True)]
        ev_lines = [f"your loss is {ev.user.loss:.10g}, rnn-tui's {ev.ref.loss:.10g} on the same weights and "
                    "inputs"]
        if ev.grads_ok:
            ev_lines.append("your gradients are rnn-tui's (check 2): the backward is right, and the loss "
                            "you return is what differs; look at the line that adds up the loss")
        elif ev.consistency_ok:
            ev_lines.append("your gradient does match your own loss (check 3): the backward follows "
                            "your forward, and the forward is what differs")
        else:
            ev_lines.append("your gradient does not match your own loss either (check 3): the backward "
                            "has a mistake of its own")
        if not ev.grads_ok:
            ev_lines.append("the backward is compared with rnn-tui's step by step once the forward agrees "
                            "(the trace's values follow from a different forward until then)")
        act = spec.activation
        out.append(Finding("forward", "the loss you return is wrong; your gradients are right" if ev.grads_ok
                           else "your forward pass computes something else",
                           f"hs[t] = {act}(Wxh·x + Whh·hs[t-1] + bh), ps[t] = softmax(Why·hs[t] + by), "
                           "loss = −Σ log ps[t][target]" if spec.head == "softmax_ce" else
                           f"h_t = {act}(Wxh x_t + Whh h_(t-1) + bh) and the task's own loss "
                           f"({spec.head.replace('_', ' ')})", ev_lines))
        return out
    tr = ev.trace
    if tr is not None and tr.runs_forward:
        out.append(Finding("loop_forward", "your backward loop runs forward in time",
                           "go from the last timestep down: for t in reversed(range(len(inputs))); "
                           "dhnext carries the gradient from t + 1 back to t",
                           [f"your loop in {tr.function}() processed t = 0, 1, 2, … up to {tr.T - 1}, in that "
                            "order: each step then adds a dhnext that belongs to the step before it"]
                           + ([length] if length else [])))
        return out
    if tr is not None and tr.values and tr.missing:
        done = sorted(set(tr.visited))
        out.append(Finding("loop_range", f"your backward loop never processed t = {shown_timesteps(tr.missing)}",
                           "loop over every timestep: for t in reversed(range(len(inputs)))",
                           [f"it processed t = {_ranges(done)} of 0 … {tr.T - 1}"]
                           + ([f"if your backward loop's variable is not {tr.tname}, name it: --names t=NAME "
                               f"({tr.tname} may be left over from the forward loop)"] if len(done) == 1 else [])
                           + ([length] if length else [])))
        return out
    if tr is not None and tr.first_mismatch is not None:
        fm = tr.first_mismatch
        lines = [f"before it, every traced value agrees; at {_loc(fm, spec.layers)} your {fm.quantity} "
                 f"differs by up to {fm.max_abs:.3g} (relative {fm.rel:.1e})"]
        if ev.consistency_ok is False and ev.forward_ok:
            lines.append("your gradient does not match your own loss either (check 3): the backward "
                         "pass is where the mistake is")
        if length:
            lines.append(length)
        hint = _quantity_hint(fm.quantity, spec, ev.contract, fm.layer, masked=not np.all(ev.main.mask == 1))
        told = _target_entry(ev, fm) or _clipped_value(fm, spec.layers)
        if told:
            lines.insert(0, told[0])
            hint = told[1]
        out.append(Finding("first_difference", f"{fm.quantity} is wrong from {_loc(fm, spec.layers)} on", hint, lines))
        return out
    failing = [p for p in ev.grad_errors if not p.passed]
    if failing:
        traced = tr is not None and tr.values and tr.first_mismatch is None
        lines = []
        if traced and tr.missing:
            lines.append("your backward loop never processed t = " + ", ".join(str(t) for t in tr.missing[:5]))
        elif traced:
            lines.append("every traced " + ", ".join(tr.found) + " agrees at every timestep: the mistake is "
                         "in how the gradients are summed from them")
        lines.append("failing: " + ", ".join(f"d{p.name} (relative {p.max_rel:.1e})" for p in failing))
        factors = {p.name: _factor_of(ev, p.name) for p in failing}
        lines += [f"your d{k} is exactly {what} × rnn-tui's" for k, (what, _) in factors.items() if what]
        flipped = [p.name for p in failing if _transposed(ev, p.name)]
        if flipped and len(flipped) == len(failing):
            names = ", ".join(f"d{k}" for k in flipped)
            out.append(Finding("transposed", f"{names} {'is' if len(flipped) == 1 else 'are'} the transpose of "
                                             "what BPTT gives",
                               "; ".join(_sum_hint(k, ev.contract, spec.index_input) for k in flipped[:3])
                               + ": the gradient of a weight has the weight's own layout",
                               [f"your d{k} equals rnn-tui's d{k} transposed" for k in flipped]
                               + ([length] if length else []), exact=True))
            return out
        if length:
            lines.append(length)
        output = [k for k in ("Why", "by") if k in ev.ref.grads]
        names = {p.name for p in failing}
        if not traced and output and set(output) <= names and len(names) == len(ev.ref.grads) \
                and not any(what for what, _ in factors.values()):
            # d{Why, by} only sum dy (times states the forward check found right): dy is what differs
            lines.insert(0, "d" + " and d".join(output) + " are sums of dy alone (times the states, which "
                            "agree): when they are wrong with every other gradient, dy is the likely mistake")
            out.append(Finding("first_difference", "dy, the output's delta, is wrong (every gradient "
                                                   "differs, the output layer's too)",
                               _quantity_hint("dy", spec, ev.contract, 0,
                                              masked=not np.all(ev.main.mask == 1)), lines))
            return out
        hint = "; ".join(factors[p.name][1] or _sum_hint(p.name, ev.contract, spec.index_input)
                         for p in failing[:3])
        out.append(Finding("sums", "the gradient sums " + ", ".join(f"d{p.name}" for p in failing)
                           + " are wrong", hint, lines))
    return out
