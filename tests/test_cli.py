"""The real entry point, ``python -m tui --headless``, run in subprocesses with piped output."""

from __future__ import annotations

import csv
import json

import pytest


def test_headless_subtraction_prints_final_metrics(run_cli):
    out = run_cli("--headless", "--task", "subtraction", "--steps", "300")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    assert out.stdout.count("iter 300, loss ") == 1               # the last line, once
    assert "accuracy" in out.stdout and "bit accuracy" in out.stdout
    assert "300 iterations in" in out.stdout
    assert "\x1b[" not in out.stdout                       # no progress bar when piped


def test_csv_and_jsonl_have_one_row_per_iteration(run_cli, tmp_path):
    fcsv, fjson = tmp_path / "m.csv", tmp_path / "m.jsonl"
    out = run_cli("--headless", "--task", "echo", "--steps", "57", "--csv", fcsv, "--jsonl", fjson)
    assert out.returncode == 0, out.stderr
    with open(fcsv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    lines = fjson.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 57 and len(lines) == 57
    records = [json.loads(line) for line in lines]
    assert [int(r["iteration"]) for r in rows] == list(range(1, 58))
    assert [r["iteration"] for r in records] == list(range(1, 58))
    assert [float(r["loss"]) for r in rows] == [r["loss"] for r in records]
    assert {"loss", "ema", "grad_norm", "accuracy"} <= set(rows[0])
    assert set(records[0]["grad_norms"]) == {"Wxh", "Whh", "bh", "Why", "by"}


def test_save_then_load_continues_the_run(run_cli, tmp_path):
    ckpt, straight, resumed = tmp_path / "s.npz", tmp_path / "a.csv", tmp_path / "b.csv"
    out = run_cli("--headless", "--task", "subtraction", "--steps", "150", "--csv", straight)
    assert out.returncode == 0, out.stderr
    out = run_cli("--headless", "--task", "subtraction", "--steps", "100", "--save", ckpt)
    assert out.returncode == 0, out.stderr
    assert ckpt.is_file() and "checkpoint saved" in out.stdout
    out = run_cli("--headless", "--task", "subtraction", "--steps", "50", "--load", ckpt,
                  "--csv", resumed)
    assert out.returncode == 0, out.stderr
    assert "iter 150," in out.stdout
    with open(straight, newline="") as fa, open(resumed, newline="") as fb:
        a, b = list(csv.DictReader(fa)), list(csv.DictReader(fb))
    assert [r["iteration"] for r in b] == [str(i) for i in range(101, 151)]
    assert [r["loss"] for r in b] == [r["loss"] for r in a[100:]]   # bit-identical


def test_load_refuses_settings_it_would_ignore_and_takes_a_new_lr(run_cli, tmp_path):
    ckpt, metrics = tmp_path / "s.npz", tmp_path / "m.csv"
    assert run_cli("--headless", "--task", "subtraction", "--steps", "20", "--save", ckpt).returncode == 0
    out = run_cli("--headless", "--load", ckpt, "--hidden", "5", "--optimizer", "adam", "--steps", "2")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        "rnn-tui: error: --hidden, --optimizer cannot change a run loaded with --load: it keeps the "
        "settings it was saved with (only --lr and --text may be given with --load)"]
    out = run_cli("--headless", "--load", ckpt, "--lr", "0.01", "--steps", "2", "--csv", metrics)
    assert out.returncode == 0, out.stderr
    with open(metrics, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["iteration"] for r in rows] == ["21", "22"]
    assert {r["lr"] for r in rows} == {"0.01"}                      # the new rate, from the first step


# ---- bad input: exit 2, one line on stderr, no traceback ---------------------------------------

def _text(tmp_path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def _truncated_ckpt(tmp_path, run_cli) -> str:
    good = tmp_path / "good.npz"
    out = run_cli("--headless", "--task", "subtraction", "--steps", "5", "--save", good)
    assert out.returncode == 0, out.stderr
    raw = good.read_bytes()
    return _text(tmp_path, "truncated.npz", raw[: len(raw) // 2])


BAD = {   # case: (arguments, a word the one-line message must contain)
    "unknown-task": (lambda tmp, cli: ["--task", "nope"], "--task"),
    "missing-text": (lambda tmp, cli: ["--task", "charlm", "--text", str(tmp / "absent.txt")],
                     "not found"),
    "empty-text": (lambda tmp, cli: ["--text", _text(tmp, "empty.txt", b"")], "empty"),
    "binary-text": (lambda tmp, cli: ["--text", _text(tmp, "bin.txt", b"abc\x00def" * 20)], "NUL"),
    "non-utf8-text": (lambda tmp, cli: ["--text", _text(tmp, "latin.txt", b"\xff\xfe\xfa" * 30)],
                      "UTF-8"),
    "one-char-text": (lambda tmp, cli: ["--text", _text(tmp, "a.txt", b"aaaa")], "distinct"),
    "hidden-0": (lambda tmp, cli: ["--hidden", "0"], "--hidden"),
    "hidden-negative": (lambda tmp, cli: ["--hidden", "-3"], "--hidden"),
    "batch-0": (lambda tmp, cli: ["--batch", "0"], "--batch"),
    "lr-abc": (lambda tmp, cli: ["--lr", "abc"], "--lr"),
    "lr-nan": (lambda tmp, cli: ["--lr", "nan"], "--lr"),
    "lr-0": (lambda tmp, cli: ["--lr", "0"], "--lr"),
    "seq-len-0": (lambda tmp, cli: ["--seq-len", "0"], "--seq-len"),
    "truncated-checkpoint": (lambda tmp, cli: ["--task", "subtraction", "--load",
                                               _truncated_ckpt(tmp, cli)], "truncated"),
    "missing-checkpoint": (lambda tmp, cli: ["--task", "subtraction", "--load",
                                             str(tmp / "none.npz")], "not found"),
    "bits-for-charlm": (lambda tmp, cli: ["--task", "charlm", "--bits", "4"], "--bits"),
    "delay-for-subtraction": (lambda tmp, cli: ["--task", "subtraction", "--delay", "3"], "--delay"),
    "save-to-missing-folder": (lambda tmp, cli: ["--task", "subtraction", "--save",
                                                 str(tmp / "absent" / "c.npz")], "does not exist"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_one_line(case, run_cli, tmp_path):
    make, word = BAD[case]
    args = make(tmp_path, run_cli)
    out = run_cli("--headless", "--steps", "3", *args)
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stdout + out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("rnn-tui: error:"), lines[0]
    assert word in lines[0], lines[0]
    assert "iterations in" not in out.stdout                  # nothing was trained


def test_headless_only_flags_without_headless_are_refused(run_cli, tmp_path):
    out = run_cli("--task", "subtraction", "--steps", "5", "--save", tmp_path / "c.npz")
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        "rnn-tui: error: --steps, --save only apply with --headless (in the app, press s to save a checkpoint)"]


def test_a_failed_save_says_so_once(run_cli, tmp_path):
    out = run_cli("--headless", "--task", "subtraction", "--steps", "2", "--save", tmp_path / "absent" / "c")
    assert out.returncode == 2
    assert out.stderr.count("cannot save checkpoint") == 1, out.stderr
