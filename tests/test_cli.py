"""The real entry point, ``python -m rnn_tui --headless``, run in subprocesses with piped output."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

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


def _corpus(tmp_path) -> str:
    return _text(tmp_path, "corpus.txt", (Path(__file__).parents[1] / "samples" / "tiny.txt").read_bytes())


def _linked(tmp_path, name: str = "corpus.txt") -> str:
    """A hard link to ``name``: another path of the same file."""
    link = tmp_path / f"link-{name}"
    os.link(tmp_path / name, link)
    return str(link)


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
    "non-utf8-text": (lambda tmp, cli: ["--text", _text(tmp, "latin.txt", b"caf\xe9 cr\xe8me " * 30)],
                      "not UTF-8"),
    "bad-utf16-after-its-mark": (lambda tmp, cli: ["--text", _text(tmp, "u16.txt", b"\xff\xfe\x00\xd8" * 30)],
                                 "not valid UTF-16"),
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
    "seq-len-for-subtraction": (lambda tmp, cli: ["--task", "subtraction", "--seq-len", "50"],
                                "--bits long"),
    "clip-with-mode-none": (lambda tmp, cli: ["--clip", "5", "--clip-mode", "none"], "no effect"),
    "clip-mode-without-threshold": (lambda tmp, cli: ["--task", "subtraction", "--clip-mode", "norm"],
                                    "add --clip"),
    "csv-and-jsonl-one-file": (lambda tmp, cli: ["--csv", str(tmp / "m"), "--jsonl", str(tmp / "m")],
                               "same file"),
    "csv-over-the-checkpoint": (lambda tmp, cli: ["--save", str(tmp / "c"), "--csv", str(tmp / "c.npz")],
                                "same file"),
    "text-is-a-device": (lambda tmp, cli: ["--text", "/dev/zero"], "not a regular file"),
    "load-a-folder": (lambda tmp, cli: ["--load", str(tmp)], "is a folder"),
    "app-flags-headless": (lambda tmp, cli: ["--paused", "--backend", "thread"], "--paused, --backend"),
    "empty-preset-name": (lambda tmp, cli: ["--preset", ""], "unknown preset"),
    "preset-text-not-a-name": (lambda tmp, cli: ["--preset", _text(tmp, "p.toml", b"text = 5\n")],
                               "text must be a file name"),
    "preset-key-of-another-task": (lambda tmp, cli: ["--preset", _text(tmp, "p.toml", b"bits = 5\n")],
                                   "bits only applies to task subtraction or addition (got task charlm)"),
    "preset-wrong-type": (lambda tmp, cli: ["--preset", _text(tmp, "p.toml",
                                                              b'task = "subtraction"\nbits = "x"\n')],
                          "bits must be a number"),
    "preset-task-a-list": (lambda tmp, cli: ["--preset", _text(tmp, "p.toml", b'task = ["charlm"]\n')],
                           "task must be one of"),
    "csv-over-the-text": (lambda tmp, cli: ["--text", _corpus(tmp), "--csv", str(tmp / "corpus.txt")],
                          "--csv " + "{tmp}/corpus.txt is the --text file: it would be overwritten"),
    "record-over-a-hard-link-of-the-text": (lambda tmp, cli: ["--text", _corpus(tmp), "--record", _linked(tmp)],
                                            "is the --text file"),
    "two-outputs-hard-linked": (lambda tmp, cli: ["--csv", _text(tmp, "m.csv", b""), "--jsonl", _linked(tmp, "m.csv")],
                                "name the same file"),
    "save-to-a-folder": (lambda tmp, cli: ["--save", str(tmp)], "is a folder; give a file name"),
    "empty-save": (lambda tmp, cli: ["--save", ""], "--save is empty: give a file name"),
    "empty-text-path": (lambda tmp, cli: ["--text", ""], "--text is empty"),
    "preset-empty": (lambda tmp, cli: ["--preset", _text(tmp, "notes.txt", b"")], "notes.txt sets nothing"),
    "preset-hidden-too-large": (lambda tmp, cli: ["--preset", _text(tmp, "p.toml", b"hidden = 100000\n")],
                                "p.toml: hidden 100000 is too large"),         # its key, not a flag not given
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
    assert word.format(tmp=tmp_path) in lines[0], lines[0]
    assert "iterations in" not in out.stdout                  # nothing was trained
    if (tmp_path / "corpus.txt").exists():                    # an input named as an output is untouched
        assert (tmp_path / "corpus.txt").read_bytes().startswith(b"the cat sat on the mat.")


def test_headless_only_flags_without_headless_are_refused(run_cli, tmp_path):
    out = run_cli("--task", "subtraction", "--steps", "5", "--save", tmp_path / "c.npz")
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        "rnn-tui: error: --steps, --save only apply with --headless (in the app, press s to save a checkpoint)"]


def test_a_failed_save_says_so_once(run_cli, tmp_path):
    out = run_cli("--headless", "--task", "subtraction", "--steps", "2", "--save", tmp_path / "absent" / "c")
    assert out.returncode == 2
    assert out.stderr.count("cannot write --save") == 1 and "does not exist" in out.stderr, out.stderr


def test_short_windows_run_and_delay_is_only_checked_for_echo(run_cli):
    for args in (["--seq-len", "1"], ["--task", "stack", "--seq-len", "2"]):
        out = run_cli("--headless", "--steps", "3", *args)
        assert out.returncode == 0, out.stderr               # the echo delay (2) is not in the way
    out = run_cli("--headless", "--steps", "3", "--task", "echo", "--seq-len", "2")
    assert out.returncode == 2 and "--delay must be between 0 and seq-len - 1 (1), got 2" in out.stderr


def test_a_clip_threshold_alone_turns_clipping_on():
    from rnn_tui.tui.cli import build_parser, config_from_args

    cfg = config_from_args(build_parser().parse_args(["--task", "subtraction", "--clip", "1"]))
    assert (cfg.clip_mode, cfg.clip) == ("value", 1.0)       # the task's default is no clipping
    cfg = config_from_args(build_parser().parse_args(["--preset", "exploding", "--clip", "5"]))
    assert (cfg.clip_mode, cfg.clip) == ("value", 5.0)       # the flag beats the preset's "none"
    cfg = config_from_args(build_parser().parse_args(["--clip", "2", "--clip-mode", "norm"]))
    assert (cfg.clip_mode, cfg.clip) == ("norm", 2.0)


def test_a_checkpoint_loads_from_another_folder(run_cli, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "mine.txt").write_text("the quick brown fox jumps over the lazy dog. " * 40, encoding="utf-8")
    out = run_cli("--headless", "--steps", "5", "--text", "mine.txt", "--save", "lm.npz", cwd=work)
    assert out.returncode == 0, out.stderr
    out = run_cli("--headless", "--steps", "2", "--load", "work/lm.npz", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "iter 7," in out.stdout
    (work / "mine.txt").rename(work / "moved.txt")
    out = run_cli("--headless", "--steps", "2", "--load", "work/lm.npz", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip().endswith("if the corpus has moved, give its new place with --text")
    out = run_cli("--headless", "--steps", "2", "--load", "work/lm.npz", "--text", "work/moved.txt",
                  cwd=tmp_path)
    assert out.returncode == 0, out.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a full disk)")
def test_a_full_disk_stops_with_one_line_not_a_traceback(run_cli, tmp_path):
    out = run_cli("--headless", "--task", "echo", "--steps", "300", "--jsonl", "/dev/full",
                  "--save", tmp_path / "c.npz")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert out.stderr.splitlines()[0].startswith("rnn-tui: error: cannot write --jsonl /dev/full: ")
    assert (tmp_path / "c.npz").is_file()                     # the training so far is still saved


def test_a_closed_pipe_does_not_stop_the_files_being_written(tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO

    fcsv = tmp_path / "m.csv"
    proc = subprocess.Popen([sys.executable, "-m", "rnn_tui", "--headless", "--task", "subtraction",
                             "--steps", "2000", "--csv", str(fcsv)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert proc.stdout.readline().startswith(b"iter ")       # `| head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert len(fcsv.read_text().splitlines()) == 2001


def test_headless_summary_after_a_rollback_is_the_restored_state(run_cli):
    out = run_cli("--headless", "--preset", "exploding", "--steps", "50")
    assert out.returncode == 1
    assert "rolled back to iteration 0" in out.stderr
    assert out.stdout.splitlines()[-1].startswith("0 iterations in")   # no line for the undone ones


@pytest.mark.parametrize("args, word", [
    (["replay", "x.jsonl", "--fps", "1e9"], "at most 60"),
    (["replay", "x.jsonl", "--speed", "1000"], "--speed"),
    (["replay"], "rnn-tui replay --help"),
    (["serve", "--port", "99999"], "at most 65535"),
    (["--fps", "0.05"], "--fps"),
    (["--record-every", "5"], "--record-every only applies with --headless"),
])
def test_bad_app_replay_and_serve_flags_exit_2_with_one_line(args, word, run_cli):
    out = run_cli(*args, timeout=30)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert len(out.stderr.splitlines()) == 1 and word in out.stderr, out.stderr


def test_a_diverging_headless_run_prints_its_huge_losses_short(run_cli):
    """--lr 500 on stack printed losses with about 270 digits in fixed notation."""
    out = run_cli("--headless", "--task", "stack", "--lr", "500", "--clip", "0", "--steps", "200")
    assert "training diverged" in out.stderr
    longest = max(len(word) for line in out.stdout.splitlines() for word in line.split())
    assert longest < 20, out.stdout


def test_the_app_without_a_terminal_says_so_instead_of_hanging(run_cli, tmp_path):
    """`rnn-tui > file` (or from cron) wrote escape codes to the file, hung, and
    ignored SIGTERM."""
    for args in (["--task", "subtraction", "--no-autosave"], ["replay", _recording(tmp_path, run_cli)]):
        out = run_cli(*args)
        assert out.returncode == 2, (out.returncode, out.stderr)
        assert out.stderr.startswith("rnn-tui: error: ") and "needs a terminal" in out.stderr
        assert "--headless" in out.stderr and len(out.stderr.splitlines()) == 1
        assert out.stdout == ""                                     # no escape codes


def _recording(tmp_path, run_cli) -> str:
    path = tmp_path / "run.jsonl"
    assert run_cli("--headless", "--task", "subtraction", "--steps", "20", "--record", path).returncode == 0
    return str(path)
