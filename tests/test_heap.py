"""core.heap: training steps reuse freed memory instead of faulting in fresh pages."""

import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Page faults are counted, not timed: the same run gives nearly the same count on a busy machine.
# The "before" run pins glibc's mmap threshold at its initial 128 KiB: left alone, glibc
# raises the threshold by itself the first time a large block is freed, and whether later
# steps fault then depends on how the heap happens to be laid out (a busy machine once
# gave 0.2 faults per step instead of ~700).  BLAS runs one thread, as in the app.
SCRIPT = textwrap.dedent("""
    import ctypes, os, resource, sys
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    from rnn_tui.core.config import Config
    from rnn_tui.core.heap import keep_freed_memory
    from rnn_tui.core.trainer import Trainer
    if sys.argv[1] == "keep":
        kept = keep_freed_memory()
    else:
        kept = False
        ctypes.CDLL(None).mallopt(-3, 128 * 1024)     # M_MMAP_THRESHOLD, fixed: no dynamic raise
    t = Trainer(Config(task="charlm", text="samples/tinyshakespeare.txt", batch=32))
    for _ in range(5):
        t.step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        t.step()
    print(kept, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
""")


def faults_per_step(mode: str) -> tuple[str, float]:
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    kept, faults = out.stdout.split()
    return kept, float(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_training_steps_stop_faulting_in_fresh_memory():
    # B = 32: the (T, B, H) arrays live in the trainer's workspaces, but the step's
    # temporaries (softmax, dh_norm, the update's scratch...) still allocate blocks over
    # 128 KiB; with that mmap threshold glibc gives them back to the kernel, so every step
    # faults them in again (~160 faults here; ~1,400 before the workspaces)
    kept, default = faults_per_step("default")
    assert kept == "False" and default > 60
    kept, tuned = faults_per_step("keep")
    assert kept == "True"
    assert tuned < 10, f"{tuned} page faults per step with keep_freed_memory"


def _headless_faults(steps: int) -> int:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    subprocess.run([sys.executable, "-m", "rnn_tui", "--headless", "--task", "charlm", "--batch", "32",
                    "--steps", str(steps)], capture_output=True, check=True, cwd=ROOT)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_headless_training_reuses_memory():
    # the difference of two runs leaves out start-up (imports, the corpus)
    per_step = (_headless_faults(60) - _headless_faults(10)) / 50
    assert per_step < 50, f"{per_step:.0f} page faults per --headless step"
