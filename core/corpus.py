"""The text corpora of the character models: where the shipped ones are, and reading
a user's file with a message naming what is wrong with it."""

from __future__ import annotations

from pathlib import Path

from rnn_tui.core.tasks.base import TaskError


def samples_dir() -> Path:
    """Folder of the shipped corpora: inside the wheel, or ``samples/`` of a checkout."""
    here = Path(__file__).resolve().parent
    for cand in (here / "samples", here.parent / "samples"):
        if (cand / "tinyshakespeare.txt").is_file():
            return cand
    return here.parent / "samples"


def default_text() -> str:
    return str(samples_dir() / "tinyshakespeare.txt")


TEXT_MAX = 256 * 2**20   # the largest corpus read (tinyshakespeare is 1 MiB)


def read_text(path: str) -> str:
    """Read a UTF-8 corpus, refusing what is not one, with a message naming the file."""
    p = Path(path)
    if not p.exists():
        raise TaskError(f"text file not found: {path}")
    if p.is_dir():
        raise TaskError(f"text path is a folder, not a file: {path}")
    if not p.is_file():                         # /dev/zero, a pipe: could be read forever
        raise TaskError(f"text path is not a regular file: {path}")
    try:
        if p.stat().st_size > TEXT_MAX:
            raise TaskError(f"text file is too large ({p.stat().st_size / 2**20:,.0f} MiB; "
                            f"at most {TEXT_MAX // 2**20} MiB): {path}")
        raw = p.read_bytes()
    except OSError as e:
        raise TaskError(f"cannot read text file {path}: {e.strerror}") from None
    if not raw:
        raise TaskError(f"text file is empty: {path}")
    if b"\x00" in raw:
        raise TaskError(f"text file looks binary (contains NUL bytes): {path}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TaskError(f"text file is not valid UTF-8 (byte {e.start}): {path}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text
