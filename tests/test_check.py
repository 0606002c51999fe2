"""``rnn-tui check FILE``: every sample gets its own verdict, bad files get one clear message.

The command runs in this process (``check(argv)``, the function ``rnn-tui check``
dispatches to); the user's file runs in its child process either way.  One test
goes through ``python -m rnn_tui`` itself.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from rnn_tui.tui.check_cli import check

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "check"


def run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = check([str(a) for a in argv])
    except SystemExit as e:                    # argparse's own errors (one line, exit 2)
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(capsys, *argv) -> tuple[int, dict]:
    code, out, err = run(capsys, *argv, "--json")
    assert err == "", err
    return code, json.loads(out)


# sample -> (extra flags, the mistakes diagnosed, the trace's first mismatch as
# (quantity, t counted from the end) or None when every traced value agrees,
# the shortest failing length, a piece of the first finding's title or evidence)
BUGS = {
    "bug_no_dhnext.py": ((), {"no_dhnext"}, ("dh", 2), 2, "is Whyᵀ dy alone"),
    # the same gradients as bug_no_dhnext (test_check_core shows it): the trace tells them apart
    "bug_dhnext_stale.py": ((), {"dhnext_stale"}, ("dhnext", 1), 2, "zero at every timestep"),
    "bug_dhnext_whh.py": ((), {"dhnext_Whh"}, ("dhnext", 1), 2, "exactly what this mistake gives"),
    "bug_tanh_one_minus_h.py": ((), {"deriv_1mh"}, ("dhraw", 1), 1, "1 - h"),
    "bug_tanh_preactivation.py": ((), {"deriv_preact"}, ("dhraw", 1), 1, "tanh derivative taken at"),
    "bug_no_dy_minus_1.py": ((), {"dy_no_target"}, ("dy", 1), 1, "sums to 1"),
    "bug_dwhh_hs_t.py": ((), {"dWhh_ht"}, None, 1, "agrees with rnn-tui's at every timestep"),
    "bug_grads_not_reset.py": ((), {"not_reset"}, None, None, "the sums carry over"),
    "bug_bias_not_accumulated.py": ((), {"dbh_last", "dby_last"}, None, 2, "the term of t = 0 alone"),
    "bug_clipped_inside.py": ((), {"clipped"}, None, "any", "±5"),
    "bug_hprev_ignored.py": ((), {"h0_zero"}, "any", 1, "the loss from a zero state"),
    "bug_skips_t0.py": ((), {"skip_t0"}, None, 1, "never processed t = 0"),
    "bug_subtraction_preactivation.py": (("--task", "subtraction"), {"deriv_preact"}, ("dhraw", 1), 1,
                                         "sigmoid derivative taken at"),
}


def test_every_buggy_sample_is_listed_here():
    assert sorted(p.name for p in SAMPLES.glob("bug_*.py")) == sorted(BUGS)


@pytest.mark.parametrize("name", sorted(BUGS))
def test_buggy_sample_gets_its_own_diagnosis(capsys, name):
    flags, mistakes, first, shortest, said = BUGS[name]
    code, rep = run_json(capsys, SAMPLES / name, *flags)
    assert code == 1
    assert rep["passed"] is False and rep["failure"] is None
    found = {d["mistake"] for d in rep["diagnosis"]}
    assert found == mistakes, rep["diagnosis"]
    assert all(d["exact"] for d in rep["diagnosis"])
    assert all(d["hint"] and d["evidence"] for d in rep["diagnosis"])
    first_finding = rep["diagnosis"][0]
    assert said in first_finding["title"] + " ".join(first_finding["evidence"])
    T = rep["setup"]["seq_len"]
    fm = rep["trace"]["first_mismatch"]
    if first is None:
        assert fm is None
    elif first != "any":
        assert (fm["quantity"], fm["t"]) == (first[0], T - first[1])
        assert fm["max_abs"] > 0 and len(fm["yours"][0]) == len(fm["reference"][0])
    lengths = next(r for r in rep["rows"] if r["key"] == "lengths")
    if shortest is None:
        assert lengths["status"] == "pass"
    elif shortest != "any":
        assert lengths["value"] == shortest


def test_the_diagnosis_names_what_the_lesson_explains(capsys):
    code, out, _ = run(capsys, SAMPLES / "bug_no_dhnext.py", "--headless")
    assert code == 1
    assert "`+ dhnext` missing from dh" in out
    assert "hint: dh = np.dot(Why.T, dy) + dhnext" in out
    assert "right for one timestep, wrong from two" in out and "dhnext — is the suspect" in out
    assert "first mismatch: dh at t = 23" in out                        # T = 25: the second pass
    # the largest difference (-0.4184, the last entry) is among the entries printed
    assert "(entries 18–23 of 24, around the largest difference, entry 23)" in out
    assert "-0.4184]" in out.split("first mismatch")[1].splitlines()[3]
    assert out.rstrip().splitlines()[-1].startswith("FAIL")


@pytest.mark.parametrize("argv", [
    ("min_char_rnn.py",),
    ("subtraction.py", "--task", "subtraction"),
    ("subtraction.py", "--task", "subtraction", "--batch", "4"),
    ("any_task.py", "--task", "stack"),
    ("any_task.py", "--task", "echo", "--layers", "3", "--batch", "5"),
])
def test_correct_samples_pass(capsys, argv):
    code, rep = run_json(capsys, SAMPLES / argv[0], *argv[1:])
    assert code == 0, [r["summary"] for r in rep["rows"] if r["status"] != "pass"]
    assert [r["status"] for r in rep["rows"]] == ["pass"] * 7
    assert rep["diagnosis"] == []
    tr = rep["trace"]
    assert tr["found"] == ["dy", "dh", "dhraw", "dhnext"]
    T, L = rep["setup"]["seq_len"], rep["setup"]["layers"]
    assert len(tr["values"]) == 4 * T * L
    assert tr["visited"] == list(range(T - 1, -1, -1))


def test_without_a_terminal_the_report_is_printed_as_headless(capsys):
    code, out, _ = run(capsys, SAMPLES / "min_char_rnn.py")        # capsys: stdout is not a terminal
    assert code == 0
    assert "all checks pass" in out and out.rstrip().splitlines()[-1].startswith("PASS (")


def test_python_m_rnn_tui_check_dispatches(run_cli):
    out = run_cli("check", SAMPLES / "bug_dwhh_hs_t.py", "--headless")
    assert out.returncode == 1, out.stderr
    assert "dWhh built from hs[t] instead of hs[t-1]" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr
    help_ = run_cli("check", "--help")
    assert help_.returncode == 0
    assert "runs as your own program" in help_.stdout and "--timeout" in help_.stdout


# ---- files that cannot be checked, and code that does not get through --------------------------

def write_bytes(tmp_path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def write(tmp_path, name: str, src: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(src), encoding="utf-8")
    return p


# a correct lossFun, for files that misbehave around it
LOSSFUN = '''
hidden_size, vocab_size = 6, 4

def lossFun(inputs, targets, hprev):
    xs, hs, ps = {}, {-1: np.copy(hprev)}, {}
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1)); xs[t][inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        ps[t] = np.exp(y) / np.sum(np.exp(y))
        loss -= np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    DELTA_NEXT = np.zeros_like(hs[0])
    for step in reversed(range(len(inputs))):
        d_out = np.copy(ps[step]); d_out[targets[step]] -= 1
        dWhy += d_out @ hs[step].T; dby += d_out
        delta_h = Why.T @ d_out + DELTA_NEXT
        delta_raw = (1 - hs[step] ** 2) * delta_h
        dbh += delta_raw; dWxh += delta_raw @ xs[step].T; dWhh += delta_raw @ hs[step - 1].T
        DELTA_NEXT = Whh.T @ delta_raw
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]
'''


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "nope.py", "rnn-tui: error: file not found: "),
    (lambda d: write(d, "notes.txt", "x = 1\n"), "is not a Python file (.py)"),
    (lambda d: d, "is a folder; give the Python file to check"),
    (lambda d: write(d, "broken.py", "def lossFun(inputs, targets, hprev)\n    return 0\n"),
     "syntax error in"),
    (lambda d: write(d, "other.py", "def train():\n    pass\n"),
     "defines neither loss_and_grads nor lossFun; use --function NAME for another name (functions it "
     "defines: train)"),
    (lambda d: write(d, "cls.py", "class RNN:\n    def lossFun(self, inputs, targets, hprev):\n        pass\n"),
     "cls.py has lossFun only as a method of class RNN: rnn-tui calls a function of the module; add a "
     "`def lossFun(inputs, targets, hprev):`"),
    # compile() takes it, `python latin1.py` refuses it (PEP 263): it was checked, and passed
    (lambda d: write_bytes(d, "latin1.py", b"# R\xe9seau\ndef lossFun(inputs, targets, hprev):\n    pass\n"),
     "latin1.py is not utf-8 text (byte 0xe9 on line 1): python refuses to run it"),
    (lambda d: write(d, "two.py", "def lossFun(inputs, targets):\n    pass\n"),
     "lossFun takes 2 arguments (inputs, targets); the contracts are lossFun(inputs, targets, hprev)"),
])
def test_files_that_cannot_be_checked_get_one_line_and_exit_2(capsys, tmp_path, make, message):
    code, out, err = run(capsys, make(tmp_path), "--headless")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("rnn-tui: error: ")
    assert message in err


def test_a_function_named_that_is_only_a_method_is_said_to_be_one(capsys, tmp_path):
    """--function bptt on Denny Britz's class: "defines no function 'bptt' (functions it defines: softmax)"."""
    f = write(tmp_path, "britz.py", "def softmax(x):\n    pass\n\n\nclass RNNNumpy:\n    def bptt(self, x, y):\n"
                                    "        pass\n")
    code, out, err = run(capsys, f, "--function", "bptt", "--headless")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "britz.py has bptt only as a method of class RNNNumpy: rnn-tui calls a function of the module" in err


def test_with_json_a_file_that_cannot_be_checked_still_gets_a_report(capsys, tmp_path):
    f = write(tmp_path, "broken.py", "def lossFun(inputs, targets, hprev)\n    return 0\n")
    code, out, err = run(capsys, f, "--json")
    assert code == 2 and err.startswith("rnn-tui: error: syntax error in")
    assert json.loads(out) == {"passed": False, "error": err.strip().removeprefix("rnn-tui: error: ")}


def test_a_syntax_error_names_the_line(capsys, tmp_path):
    f = write(tmp_path, "broken.py", "import numpy as np\n\ndef lossFun(inputs, targets, hprev)\n    return 0\n")
    code, _, err = run(capsys, f)
    assert code == 2 and f"syntax error in {f}, line 3: " in err


@pytest.mark.parametrize("flags, message", [
    (("--task", "echo"), "--task applies to loss_and_grads(params, inputs, targets, h0); lossFun is "
                         "min-char-rnn's contract"),
    (("--hidden", "7"), "--hidden 7 does not match the file's own size (H = 6"),
    (("--names", "dz=foo"), "--names: 'dz' is not a traced name; choose from: dy, dh, dhraw, dhnext, t, l"),
    (("--names", "dh"), "--names takes NAME=YOURS pairs"),
    (("--timeout", "0"), "--timeout must be greater than 0"),
    (("--task", "subtraction", "--seq-len", "5"), "--seq-len does not apply to --task subtraction"),
])
def test_options_that_do_not_apply_are_refused(capsys, tmp_path, flags, message):
    f = write(tmp_path, "mine.py", "import numpy as np\n" + LOSSFUN)
    code, out, err = run(capsys, f, *flags)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_wrong_return_arity_is_named(capsys, tmp_path):
    f = write(tmp_path, "six.py", """
        import numpy as np
        hidden_size, vocab_size = 6, 4
        def lossFun(inputs, targets, hprev):
            return 1.0, np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why), bh * 0, by * 0
    """)
    code, out, _ = run(capsys, f, "--headless")
    assert code == 1
    assert ("lossFun returned the wrong thing on the first call: 6 values where the contract has 7: "
            "loss, dWxh, dWhh, dWhy, dbh, dby, h_last") in out


def test_a_wrong_shape_and_a_wrong_key_are_named(capsys, tmp_path):
    f = write(tmp_path, "t.py", """
        import numpy as np
        hidden_size, vocab_size = 6, 4
        def lossFun(inputs, targets, hprev):
            return 1.0, Wxh.T, Whh, Why, bh, by, hprev
    """)
    code, out, _ = run(capsys, f, "--headless")
    assert code == 1 and "dWxh (value 2 of 7) has shape (4, 6); expected (6, 4), the shape of Wxh" in out
    g = write(tmp_path, "g.py", """
        def loss_and_grads(params, inputs, targets, h0):
            return 1.0, {"d" + k: v for k, v in params.items()}, h0
    """)
    code, out, _ = run(capsys, g, "--task", "subtraction", "--headless")
    assert code == 1 and "grads has the key 'dWxh': its keys are the parameter names (Wxh, not dWxh)" in out


def test_an_import_that_never_returns_is_stopped_with_the_hint(capsys, tmp_path):
    f = write(tmp_path, "trains.py", """
        import numpy as np
        Wxh = np.zeros((6, 4))
        while True:          # the training loop, at import
            Wxh += 0.0
    """)
    code, out, _ = run(capsys, f, "--headless", "--timeout", "0.5")
    assert code == 1
    assert ("the file keeps running when imported — put the training loop under "
            "`if __name__ == '__main__':`") in out


def test_a_call_that_never_returns_is_stopped(capsys, tmp_path):
    f = write(tmp_path, "spins.py", """
        hidden_size, vocab_size = 6, 4
        def lossFun(inputs, targets, hprev):
            while True:
                pass
    """)
    # 4 s: the import (numpy) must get through on a loaded machine before the call spins
    code, out, _ = run(capsys, f, "--headless", "--timeout", "4")
    assert code == 1
    assert "lossFun did not return within 4 s on the first call and was stopped" in out


def test_an_exception_shows_only_the_users_frames(capsys, tmp_path):
    f = write(tmp_path, "raises.py", """
        import numpy as np
        hidden_size, vocab_size = 6, 4

        def forward_step(h):
            return np.dot(Wxh, h)

        def lossFun(inputs, targets, hprev):
            return forward_step(hprev)
    """)
    code, rep = run_json(capsys, f)
    assert code == 1
    fail = rep["failure"]
    assert fail["kind"] == "exception" and fail["stage"] == "gradients"
    assert fail["message"].startswith("lossFun raised ValueError on the first call: shapes (6,4) and (6,1) "
                                      "not aligned")
    assert fail["traceback"] == ["raises.py, line 9, in lossFun: return forward_step(hprev)",
                                 "raises.py, line 6, in forward_step: return np.dot(Wxh, h)"]
    assert rep["rows"] == []


def test_an_exception_at_import_is_reported_with_its_line(capsys, tmp_path):
    f = write(tmp_path, "reads.py", "data = open('input.txt').read()\n")
    code, out, _ = run(capsys, f, "--headless")
    assert code == 1
    assert "importing" in out and "raised FileNotFoundError" in out and "'input.txt'" in out
    assert "reads.py, line 1, in <module>: data = open('input.txt').read()" in out


def test_the_import_runs_in_the_files_own_folder(capsys, tmp_path):
    (tmp_path / "input.txt").write_text("abcd", encoding="utf-8")
    f = write(tmp_path, "reads.py", "import numpy as np\nchars = sorted(set(open('input.txt').read()))\n"
              + LOSSFUN.replace("hidden_size, vocab_size = 6, 4", "hidden_size, vocab_size = 6, len(chars)"))
    code, rep = run_json(capsys, f)
    assert code == 0 and rep["setup"]["output_size"] == 4


def test_a_runaway_recursion_shows_its_frame_three_times_then_how_many_more(capsys, tmp_path):
    """998 lines of the same frame."""
    f = write(tmp_path, "deep.py", "import numpy as np\n" + LOSSFUN.replace("def lossFun(", "def down(n):\n    return down(n + 1)\n\n\n"
                                                  "def lossFun(", 1).replace("    return loss,", "    down(0)\n    return loss,"))
    code, out, _ = run(capsys, f, "--headless")
    assert code != 0 and "RecursionError" in out, out
    assert out.count("in down: return down(n + 1)") == 3
    assert "[the line above repeated " in out and " more times]" in out


def test_a_prompt_without_a_newline_counts_as_a_line(capsys, tmp_path):
    """print('Name: ', end='') at import: "your file printed 0 lines (6 bytes)"."""
    f = write(tmp_path, "prompt.py", "import numpy as np\nprint('Name: ', end='')\n" + LOSSFUN)
    code, out, _ = run(capsys, f, "--headless")
    assert code == 0 and "your file printed 1 line (6 bytes) to stdout" in out, out


def test_a_file_that_prints_a_lot_is_captured_not_shown(capsys, tmp_path):
    f = write(tmp_path, "chatty.py", "import numpy as np\nimport sys\nfor i in range(60000):\n"
              "    print('loading', i)\nprint('to stderr', file=sys.stderr)\n" + LOSSFUN.replace(
                  "    return loss,", "    print('loss', loss)\n    return loss,"))
    code, out, _ = run(capsys, f, "--headless")
    assert code == 0
    assert "your file printed 60,1" in out and "lines (" in out and "to stdout" in out
    assert "| loading 0" in out and "| to stderr" in out
    assert len(out.splitlines()) < 60                  # the report, not the file's output
    code, rep = run_json(capsys, f)
    o = rep["output"]
    assert o["truncated"] and o["stdout_bytes"] > 700_000 and len(o["stdout"]) < 50_000
    assert o["stdout_lines"] > 60_000
    assert o["stdout"].startswith("loading 0\n") and o["stdout"].splitlines()[-1].startswith("loss ")


def test_other_local_names_are_traced_with_names(capsys, tmp_path):
    f = write(tmp_path, "renamed.py", "import numpy as np\n" + LOSSFUN)
    code, rep = run_json(capsys, f)
    assert code == 0 and rep["trace"]["status"] == "skip"
    assert "none of dy, dh, dhraw, dhnext was found in your backward loop" in rep["trace"]["note"]
    code, rep = run_json(capsys, f, "--names", "dy=d_out,dh=delta_h,dhraw=delta_raw,dhnext=DELTA_NEXT,t=step")
    assert code == 0 and rep["trace"]["status"] == "pass"
    assert rep["trace"]["found"] == ["dy", "dh", "dhraw", "dhnext"]
    assert rep["trace"]["names"]["dh"] == "delta_h"
    # the same file with a bug: the mapped trace finds it
    bad = write(tmp_path, "renamed_bad.py", "import numpy as np\n" + LOSSFUN.replace(
        "DELTA_NEXT = Whh.T @ delta_raw", "DELTA_NEXT = Whh @ delta_raw"))
    code, rep = run_json(capsys, bad, "--names", "dy=d_out,dh=delta_h,dhraw=delta_raw,dhnext=DELTA_NEXT,t=step")
    assert code == 1
    assert (rep["trace"]["first_mismatch"]["quantity"], rep["trace"]["first_mismatch"]["t"]) == ("dhnext", 24)
    assert [d["mistake"] for d in rep["diagnosis"]] == ["dhnext_Whh"]


def test_a_function_that_updates_its_weights_is_noted(capsys, tmp_path):
    f = write(tmp_path, "updates.py", "import numpy as np\n" + LOSSFUN.replace(
        "    return loss,", "    Wxh[...] -= 0.1 * dWxh\n    return loss,"))
    code, rep = run_json(capsys, f)
    assert code == 0
    assert any("changed the globals Wxh" in n for n in rep["notes"])


def edited(tmp_path, sample: str, old: str, new: str) -> Path:
    src = (SAMPLES / sample).read_text(encoding="utf-8")
    assert old in src
    p = tmp_path / sample
    p.write_text(src.replace(old, new).replace('"../tiny.txt"', repr(str(REPO / "samples" / "tiny.txt"))),
                 encoding="utf-8")
    return p


@pytest.mark.parametrize("sample, old, new, flags, mistake, exact", [
    ("subtraction.py", "* ps[t] * (1 - ps[t]) / B", "* ps[t] * (1 - ps[t])", ("--task", "subtraction", "--batch", "4"),
     "scaled", True),
    ("min_char_rnn.py", "def lossFun(inputs, targets, hprev):",
     "own = (Wxh, Whh, Why, bh, by)\n\ndef lossFun(inputs, targets, hprev):\n    Wxh, Whh, Why, bh, by = own", (),
     "ignores_weights", False),
    ("min_char_rnn.py", "np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)", "np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1])", (),
     "forward", False),
    ("min_char_rnn.py", "    T = len(inputs)\n",
     "    T = len(inputs)\n    W = {k: globals()[k].astype(np.float32) for k in ('Wxh', 'Whh', 'Why', 'bh', 'by')}\n"
     "    Wxh, Whh, Why, bh, by = W['Wxh'], W['Whh'], W['Why'], W['bh'], W['by']\n", (), "precision", False),
])
def test_mistakes_outside_the_catalogue_point_where_the_evidence_does(capsys, tmp_path, sample, old, new, flags,
                                                                      mistake, exact):
    code, rep = run_json(capsys, edited(tmp_path, sample, old, new), *flags)
    assert code == 1
    assert [d["mistake"] for d in rep["diagnosis"]] == [mistake]
    assert rep["diagnosis"][0]["exact"] is exact


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """rnn-tui check … --json | head -c 50: the report's print raised BrokenPipeError."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "rnn_tui.tui", "check", str(SAMPLES / "bug_no_dhnext.py"), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = proc.stdout.read(50)
    proc.stdout.close()                              # as head does once it has its bytes
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1               # the check's own verdict: the bug is found
    assert head.startswith(b"{") and "Traceback" not in err and "BrokenPipe" not in err, err
