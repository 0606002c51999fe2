"""Throughput of our Trainer against the naive tutorial code, single-threaded BLAS.

    python bench/throughput.py [--seconds 4] [--repeats 3]
    PYTHONPATH=. /tmp/venv-torch/bin/python bench/throughput.py    # with the PyTorch rows

Each case times a reference (the naive tutorial code of ``bench/naive_reference.py``,
or PyTorch) and our ``Trainer`` in the same process.  Both run for a warm-up, then
``--repeats`` rounds of ``--seconds / (repeats + 1)`` s each, reference and ours
alternating so that machine noise hits both alike.  Rates are the median round; the
ratio is the median of the rounds' own ratios (ours over the reference round just
before it), which a slow spell of the shared machine moves less; the spread of those
ratios is printed with each row.  Both sides run their full training iteration:
min-char-rnn draws its 200-character sample every 100 iterations; the Trainer notes
the sample due then and draws it only when something reads it (nothing does here).

Some rows measure yardsticks, ``bench/lean_reference.py``: min-char-rnn's math and
nothing else, written as lean as plain NumPy allows (no views, no metrics, no
rollback, no sample), at B = 1 and B = 32, and the subtraction tutorial's loop
written the same way.  A yardstick's ratio to the naive code (or to PyTorch) is what
issue 13 calls "the best plain-NumPy" implementation; the Trainer's ratio to it
(below 1) shows what everything else rnn-tui does in a step costs.

The PyTorch rows (``bench/torch_reference.py``: ``nn.RNN`` on one-hot inputs,
cross-entropy, clipping to ±5, Adagrad, one thread) run when ``import torch``
works; torch is never a dependency of rnn-tui.  Install it in a venv of its own and
run this file with that venv's python (``PYTHONPATH`` pointing at the checkout).

A last section measures ceilings for the B = 1 cases: the rate of only the work
no NumPy implementation can avoid (the recurrence's per-timestep calls, which
cannot be batched, then the output layer's products, softmax and clipping, then
the optimizer's fewest passes).

Rates use this process's CPU time by default (``--clock cpu``), so that other
jobs on a shared machine do not count against either side; BLAS is pinned to one
thread, so CPU time equals wall time on an idle machine.  ``--clock wall`` uses
``time.perf_counter``.  Rows marked (info) have no target.

This is a report, not a test: it always exits 0 and prints PASS/FAIL per target.
"""

from __future__ import annotations

import os

# Pin every BLAS/OpenMP pool to one thread before numpy is imported.
# (OPENBLAS_CORETYPE, if the machine sets it, is left untouched.)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse                                                       # noqa: E402
import platform                                                       # noqa: E402
import statistics                                                     # noqa: E402
import sys                                                            # noqa: E402
import time                                                           # noqa: E402
from pathlib import Path                                              # noqa: E402

import numpy as np                                                    # noqa: E402

try:
    from threadpoolctl import threadpool_info, threadpool_limits      # noqa: E402
except ImportError:                       # e.g. the PyTorch venv: the variables above pin BLAS
    import contextlib

    def threadpool_info():
        return []

    def threadpool_limits(limits):
        return contextlib.nullcontext()

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rnn_tui.core.config import Config                                        # noqa: E402
from rnn_tui.core.heap import keep_freed_memory                               # noqa: E402
from rnn_tui.core.trainer import Trainer                                      # noqa: E402
from lean_reference import LeanCharLM, LeanSubtraction                # noqa: E402
from naive_reference import NaiveCharLM, NaiveSubtraction             # noqa: E402

try:
    import torch                                                      # noqa: F401, E402
    from torch_reference import TorchCharLM                           # noqa: E402
except ImportError:
    TorchCharLM = None

SHAKESPEARE = ROOT / "samples" / "tinyshakespeare.txt"
LUNYU = ROOT / "samples" / "lunyu.txt"


CLOCK = time.process_time      # CPU time of this process; --clock wall for perf_counter


def run_for(step, seconds: float) -> tuple[int, float]:
    """Call ``step`` until ``seconds`` have passed; return (calls, elapsed)."""
    n = 0
    t0 = CLOCK()
    end = t0 + seconds
    while True:
        step()
        n += 1
        now = CLOCK()
        if now >= end:
            return n, now - t0


def measure_pair(naive_step, naive_units: int, ours_step, ours_units: int,
                 seconds: float, repeats: int) -> tuple[float, float, float, list, list]:
    """Median units/s of both sides over interleaved rounds, and the median of the
    per-round ratios (ours / naive of the same round: a slow spell of the shared
    machine then slows both sides of a ratio, instead of one side of the medians)."""
    slot = seconds / (repeats + 1)
    warm = min(slot, 1.0)
    run_for(naive_step, warm / 2)
    run_for(ours_step, warm / 2)
    rn, ro = [], []
    for _ in range(repeats):
        n, dt = run_for(naive_step, slot / 2)
        rn.append(n * naive_units / dt)
        n, dt = run_for(ours_step, slot / 2)
        ro.append(n * ours_units / dt)
    ratios = [o / n for n, o in zip(rn, ro, strict=True)]
    return statistics.median(rn), statistics.median(ro), statistics.median(ratios), rn, ro


def recurrence_only(T: int, H: int):
    """A step function doing only what no B = 1 implementation can batch: the
    per-timestep NumPy calls of the forward recurrence (h_t = tanh(a_t + h_{t-1} Whhᵀ))
    and of BPTT (dh = dh_out + dhnext; dhraw = f' dh; dhnext = dhraw Whh), on
    preallocated arrays.  Its rate bounds what any NumPy B = 1 trainer can reach."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((H, H)) * 0.1
    WT = W.T
    a, h = rng.standard_normal((T, 1, H)), np.zeros((T + 1, 1, H))
    dh_out, dact = rng.standard_normal((T, 1, H)), rng.random((T, 1, H))
    dh, dhraw, dhnext, tmp = np.empty((T, 1, H)), np.empty((T, 1, H)), np.zeros((1, H)), np.empty((1, H))

    def step():
        for t in range(T):
            a_t = a[t]
            a_t += np.dot(h[t], WT, out=tmp)
            np.tanh(a_t, out=h[t + 1])
        for t in range(T - 1, -1, -1):
            np.add(dh_out[t], dhnext, out=dh[t])
            np.multiply(dact[t], dh[t], out=dhraw[t])
            np.dot(dhraw[t], W, out=dhnext)
    return step


def plus_optimizer(step, name: str, n_params: int):
    """``step`` followed by the least NumPy work of one update of ``n_params`` weights
    in one preallocated buffer: SGD ``p -= lr g`` (2 passes) or min-char-rnn's Adagrad
    ``mem += g²; p -= lr g / sqrt(mem + 1e-8)`` (7 passes).  Written out here rather
    than through ``core.optim``, whose per-parameter bookkeeping a lower bound must
    leave out."""
    rng = np.random.default_rng(1)
    p, g = rng.standard_normal(n_params), rng.standard_normal(n_params) * 1e-3
    mem, s, r = np.zeros(n_params), np.empty(n_params), np.empty(n_params)

    def sgd():
        step()
        np.multiply(g, 0.1, out=s)
        np.subtract(p, s, out=p)

    def adagrad():
        step()
        np.multiply(g, g, out=s)
        np.add(mem, s, out=mem)
        np.multiply(g, -0.1, out=s)
        np.add(mem, 1e-8, out=r)
        np.sqrt(r, out=r)
        np.divide(s, r, out=s)
        np.add(p, s, out=p)
    return {"sgd": sgd, "adagrad": adagrad}[name]


def plus_softmax_and_clip(step, T: int, V: int, n_params: int):
    """``step`` followed by the least work of softmax cross-entropy over one window
    (exp, row sums, normalise, the loss, dy = p − onehot(y)) and of min-char-rnn's
    element-wise clipping to ±5 of ``n_params`` gradients in one buffer."""
    rng = np.random.default_rng(4)
    z, e = rng.standard_normal((T, V)), np.empty((T, V))
    rows, y = np.arange(T), rng.integers(0, V, T)
    g = rng.standard_normal(n_params)

    def both():
        step()
        np.exp(z, out=e)
        np.divide(e, e.sum(axis=1, keepdims=True), out=e)
        float(np.log(e[rows, y]).sum())
        e[rows, y] -= 1.0
        np.clip(g, -5.0, 5.0, out=g)
    return both


def plus_output_layer(step, T: int, H: int, V: int):
    """``step`` followed by the output layer's three matrix products for one window
    (logits = h Whyᵀ, dWhy = dyᵀ h, Whyᵀ dy), which no implementation avoids."""
    rng = np.random.default_rng(2)
    h, W, dy = rng.standard_normal((T, H)), rng.standard_normal((V, H)), rng.standard_normal((T, V))

    def both():
        step()
        h @ W.T
        dy.T @ h
        dy @ W
    return both


def trainer_step(cfg: Config):
    tr = Trainer(cfg)
    return tr, tr.step


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0,
                    help="time budget per case, warm-up included (default 4)")
    ap.add_argument("--repeats", type=int, default=3, help="timed rounds per side (default 3)")
    ap.add_argument("--no-info", action="store_true", help="skip the rows without a target")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="cpu: process CPU time (default); wall: perf_counter")
    ap.add_argument("--only", metavar="TEXT", help="run just the cases whose name contains TEXT")
    ap.add_argument("--malloc-default", action="store_true",
                    help="leave glibc's malloc thresholds alone (the app and --headless raise them)")
    args = ap.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    S, R = args.seconds, max(1, args.repeats)

    kept = False if args.malloc_default else keep_freed_memory()   # as the app and --headless do
    with threadpool_limits(limits=1):
        print(f"malloc keeps freed memory: {kept}")
        print(f"python {platform.python_version()}  numpy {np.__version__}  "
              f"{platform.machine()}  cpus {os.cpu_count()}")
        for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE"):
            print(f"  {k}={os.environ.get(k, '(unset)')}")
        for pool in threadpool_info():
            print(f"  threadpool: {pool.get('internal_api')} {pool.get('version')} "
                  f"arch={pool.get('architecture')} num_threads={pool.get('num_threads')} "
                  f"({Path(pool.get('filepath', '')).name})")
        print(f"budget {S:g} s per case, {R} interleaved rounds, median reported, "
              f"clock={args.clock}\n")

        shakes = SHAKESPEARE.read_text(encoding="utf-8")
        lunyu = LUNYU.read_text(encoding="utf-8")
        T = 25
        rows = []   # (case, unit, naive, ours, target or None)

        def case(name, unit, naive_obj, naive_units, ours_cfg, ours_units, target, ref="naive"):
            if args.only and args.only not in name:
                return
            ours = trainer_step(ours_cfg)[1] if isinstance(ours_cfg, Config) else ours_cfg.step
            n, o, ratio, rn, ro = measure_pair(naive_obj.step, naive_units, ours, ours_units, S, R)
            spread = [o_ / n_ for n_, o_ in zip(rn, ro, strict=True)]
            rows.append((name, unit, ref, n, o, ratio, min(spread), max(spread), target))
            print(f"  {name:<44} {ref} {n:>10.0f}  ours {o:>10.0f} {unit}  x{ratio:6.2f}"
                  f"   [ratios {' '.join(f'{v:.2f}' for v in spread)}]", flush=True)

        naive_sh = NaiveCharLM(shakes, seq_length=T)
        case("charlm shakespeare B=1 f64", "chars/s", naive_sh, T,
             Config(task="charlm", text=str(SHAKESPEARE), batch=1), T, 3.6)
        naive_ly = NaiveCharLM(lunyu, seq_length=T)
        # the yardstick: min-char-rnn's math alone, written as lean as NumPy allows
        # (bench/lean_reference.py); "ours" in the first row is that implementation
        case("lean min-char-rnn, no views, B=1 f64", "chars/s", naive_sh, T, LeanCharLM(shakes, seq_length=T),
             T, None)
        case("charlm shakespeare B=1 f64 vs lean", "chars/s", LeanCharLM(shakes, seq_length=T), T,
             Config(task="charlm", text=str(SHAKESPEARE), batch=1), T, None, ref="lean")
        case("charlm lunyu (V=1358) B=1 f64", "chars/s", naive_ly, T,
             Config(task="charlm", text=str(LUNYU), batch=1), T, 3.8)
        case("charlm shakespeare B=32 f64 vs naive B=1", "chars/s", naive_sh, T,
             Config(task="charlm", text=str(SHAKESPEARE), batch=32), 32 * T, 11.0)
        case("charlm lunyu B=32 f64 vs naive B=1", "chars/s", naive_ly, T,
             Config(task="charlm", text=str(LUNYU), batch=32), 32 * T, None)
        case("subtraction 8-bit B=1", "ex/s", NaiveSubtraction(), 1,
             Config(task="subtraction"), 1, 3.0)
        case("lean subtraction loop, no views, B=1", "ex/s", NaiveSubtraction(), 1, LeanSubtraction(), 1, None)
        case("subtraction 8-bit B=1 vs lean", "ex/s", LeanSubtraction(), 1,
             Config(task="subtraction"), 1, None, ref="lean")
        case("charlm shakespeare B=32 f64 vs lean B=32", "chars/s", LeanCharLM(shakes, seq_length=T, batch=32),
             32 * T, Config(task="charlm", text=str(SHAKESPEARE), batch=32), 32 * T, None, ref="lean")
        if TorchCharLM is not None:
            for B, dtype, target in ((32, "float64", 2.0), (32, "float32", 2.0), (1, "float64", None)):
                case(f"charlm shakespeare B={B} {dtype} vs PyTorch", "chars/s",
                     TorchCharLM(shakes, batch=B, seq_length=T, dtype=dtype), B * T,
                     Config(task="charlm", text=str(SHAKESPEARE), batch=B, dtype=dtype), B * T, target,
                     ref="torch")
            for dtype in ("float64", "float32"):                 # what plain NumPy reaches with no views
                case(f"lean min-char-rnn B=32 {dtype} vs PyTorch", "chars/s",
                     TorchCharLM(shakes, batch=32, seq_length=T, dtype=dtype), 32 * T,
                     LeanCharLM(shakes, seq_length=T, batch=32, dtype=dtype), 32 * T, None, ref="torch")
        else:
            print("  (PyTorch rows skipped: torch is not importable here)")
        if not args.no_info:
            case("charlm lunyu B=1 float32", "chars/s", naive_ly, T,
                 Config(task="charlm", text=str(LUNYU), batch=1, dtype="float32"), T, None)
            case("charlm shakespeare B=32 float32", "chars/s", naive_sh, T,
                 Config(task="charlm", text=str(SHAKESPEARE), batch=32, dtype="float32"), 32 * T, None)
            case("subtraction B=32 (minibatch) vs naive", "ex/s", NaiveSubtraction(), 1,
                 Config(task="subtraction", batch=32), 32, None)

        # What the targets allow: the sequential recurrence alone, nothing else.
        ceilings = []
        V = len(set(shakes))
        naive_sub = NaiveSubtraction()
        for name, naive_obj, units, step, target in (
                ("charlm shakespeare B=1", naive_sh, T, recurrence_only(T, 100), 3.6),
                ("  ... and the output layer", naive_sh, T,
                 plus_output_layer(recurrence_only(T, 100), T, 100, V), 3.6),
                ("  ... and softmax, loss, clipping", naive_sh, T,
                 plus_softmax_and_clip(plus_output_layer(recurrence_only(T, 100), T, 100, V), T, V,
                                       100 * V + 100 * 100 + 100 + V), 3.6),
                ("  ... and Adagrad (all but Wxh)", naive_sh, T,
                 plus_optimizer(plus_softmax_and_clip(plus_output_layer(recurrence_only(T, 100), T, 100, V),
                                                      T, V, 100 * V + 100 * 100 + 100 + V),
                                "adagrad", 100 * V + 100 * 100 + 100 + V), 3.6),
                ("charlm lunyu B=1", naive_ly, T, recurrence_only(T, 100), 3.8),
                ("  ... and the output layer", naive_ly, T,
                 plus_output_layer(recurrence_only(T, 100), T, 100, len(set(lunyu))), 3.8),
                ("  ... and Adagrad (all but Wxh)", naive_ly, T,
                 plus_optimizer(plus_output_layer(recurrence_only(T, 100), T, 100, len(set(lunyu))), "adagrad",
                              100 * len(set(lunyu)) + 100 * 100 + 100 + len(set(lunyu))), 3.8),
                # a sigmoid cell can run in tanh form (σ(z) = ½ + ½ tanh(z/2), the halves
                # folded into the weights), so its unavoidable calls are the tanh cell's
                ("subtraction 8-bit B=1", naive_sub, 1, recurrence_only(8, 16), 3.0),
                ("  ... and the output layer", naive_sub, 1,
                 plus_output_layer(recurrence_only(8, 16), 8, 16, 1), 3.0),
                ("  ... and SGD", naive_sub, 1,
                 plus_optimizer(plus_output_layer(recurrence_only(8, 16), 8, 16, 1), "sgd",
                                16 * 2 + 16 * 16 + 16 + 16 + 1), 3.0)):
            if not name.startswith(" "):
                group = name
            if args.only and args.only not in group:
                continue
            _, _, ratio, _, _ = measure_pair(naive_obj.step, units, step, units, S, R)
            ceilings.append((name, ratio, target))

    print()
    head = (f"{'case':<46}{'ref':>6}{'ref rate':>11}{'ours':>11}  {'unit':<8}{'ratio':>7}"
            f"{'spread':>13}{'target':>8}  result")
    print(head)
    print("-" * len(head))
    for name, unit, ref, n, o, ratio, lo, hi, target in rows:
        res = "(info)" if target is None else ("PASS" if ratio >= target else "FAIL")
        tgt = "-" if target is None else f">={target:g}x"
        print(f"{name:<46}{ref:>6}{n:>11.0f}{o:>11.0f}  {unit:<8}{ratio:>6.2f}x{f'{lo:.2f}-{hi:.2f}':>13}"
              f"{tgt:>8}  {res}")
    print("\nCeilings at B = 1: the rate of only the work no NumPy implementation avoids,")
    print("added part by part: the recurrence's per-timestep calls (forward and BPTT, on")
    print("preallocated arrays), then the output layer's three products, then (Shakespeare)")
    print("softmax, loss and clipping, then the optimizer's fewest passes; never data,")
    print("metrics or bookkeeping. A target above a ceiling cannot be met by any float64")
    print("NumPy trainer on this machine.")
    for name, ratio, target in ceilings:
        print(f"  {name:<40} at most {ratio:5.2f}x the naive rate   (target {target:g}x)")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception as e:                       # a report: never fail the caller
        import traceback
        traceback.print_exc()
        print(f"benchmark aborted: {e}")
    sys.exit(0)
