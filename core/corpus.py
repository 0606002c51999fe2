"""The text corpora of the character models: where the shipped ones are, and reading
a user's file with a message naming what is wrong with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

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
    return decode_text(read_bytes(path), path)


HEAD = 4 << 20           # bytes of a large corpus checked before its training process reads it all


def check_head(path: str) -> None:
    """Refuse now what :func:`read_text` would refuse, reading only the first
    :data:`HEAD` bytes (the rest is checked when the whole file is read)."""
    p = Path(path)
    check_path(path)
    try:
        with open(p, "rb") as f:
            raw = f.read(HEAD)
    except OSError as e:
        raise TaskError(f"cannot read text file {path}: {e.strerror}") from None
    if not raw:
        raise TaskError(f"text file is empty: {path}")
    for cut in range(4):                        # the head may end inside a character
        try:
            decode_text(raw[:len(raw) - cut] if cut else raw, path)
            return
        except TaskError as e:
            if cut == 3 or "not UTF-8" not in str(e) or len(raw) < HEAD:
                raise


def check_path(path: str) -> None:
    """Refuse a corpus path that cannot be one (missing, a folder, a device) without reading it."""
    p = Path(path)
    if not p.exists():
        raise TaskError(f"text file not found: {path}")
    if p.is_dir():
        raise TaskError(f"text path is a folder, not a file: {path}")
    if not p.is_file():                         # /dev/zero, a pipe: could be read forever
        raise TaskError(f"text path is not a regular file: {path}")


def read_bytes(path: str, progress=None) -> bytes:
    """A corpus file's bytes, refusing what cannot be one (missing, a folder, a
    device, too large, empty) with a message naming the file; ``progress(stage,
    done, total)`` hears how far the reading is."""
    p = Path(path)
    check_path(path)
    try:
        size = p.stat().st_size
        if size > TEXT_MAX:
            raise TaskError(f"text file is too large ({size / 2**20:,.0f} MiB; "
                            f"at most {TEXT_MAX // 2**20} MiB): {path}")
        raw = bytearray(size)
        with open(p, "rb", buffering=0) as f:
            view, done = memoryview(raw), 0
            while done < size and (n := f.readinto(view[done:done + CHUNK])):
                done += n
                if progress:
                    progress("reading", done, size)
        raw = bytes(view[:done]) if done < size else bytes(raw)
    except OSError as e:
        raise TaskError(f"cannot read text file {path}: {e.strerror}") from None
    if not raw:
        raise TaskError(f"text file is empty: {path}")
    return raw


CHUNK = 1 << 23          # bytes or characters per step of reading and encoding (8 Mi)


def encode_file(path: str, progress=None) -> tuple[str, np.ndarray]:
    """A corpus as its vocabulary (the sorted distinct characters) and its symbols
    (``vocab`` indices, one per character, in the smallest unsigned integer type
    that holds them), read and encoded a chunk at a time so that a large file
    costs about twice its size in memory at the peak and once its size after.

    ``progress(stage, done, total)`` hears each chunk ("reading", then "encoding").
    """
    raw = read_bytes(path, progress)
    if raw.isascii() and b"\x00" not in raw:     # the common case: bytes are characters
        seen = np.zeros(256, dtype=bool)
        for i in range(0, len(raw), CHUNK):
            part = np.frombuffer(raw, np.uint8, count=min(CHUNK, len(raw) - i), offset=i)
            seen[np.bincount(part, minlength=256) > 0] = True
            if progress:
                progress("encoding", i + len(part), 2 * len(raw))
        cps = np.flatnonzero(seen)
        table = np.zeros(256, dtype=np.uint8)
        table[cps] = np.arange(len(cps))
        data = np.frombuffer(raw.translate(table.tobytes()), np.uint8)   # one C pass
        if progress:
            progress("encoding", 2 * len(raw), 2 * len(raw))
        return "".join(map(chr, cps)), data
    text = decode_text(raw, path)
    del raw
    seen = np.zeros(0x110000, dtype=bool)
    for i in range(0, len(text), CHUNK):
        seen[np.frombuffer(text[i:i + CHUNK].encode("utf-32-le"), np.uint32)] = True
        if progress:
            progress("encoding", i + CHUNK, 2 * len(text))
    cps = np.flatnonzero(seen)
    dtype = np.uint8 if len(cps) <= 256 else (np.uint16 if len(cps) <= 65536 else np.uint32)
    table = np.zeros(0x110000, dtype=dtype)
    table[cps] = np.arange(len(cps))
    data = np.empty(len(text), dtype=dtype)
    for i in range(0, len(text), CHUNK):
        data[i:i + CHUNK] = table[np.frombuffer(text[i:i + CHUNK].encode("utf-32-le"), np.uint32)]
        if progress:
            progress("encoding", len(text) + i + CHUNK, 2 * len(text))
    return "".join(map(chr, cps)), data


BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
"""Byte-order marks, longest first (UTF-32 LE starts like UTF-16 LE)."""
GUESSES = (("shift_jis", "Shift-JIS", (0x3040, 0x30FF), 0.1),        # kana
           ("euc_kr", "EUC-KR", (0xAC00, 0xD7AF), 0.3),              # Hangul
           ("gb18030", "GB18030 (GBK)", (0x4E00, 0x9FFF), 0.3),      # CJK ideographs
           ("big5", "Big5", (0x4E00, 0x9FFF), 0.3),
           ("cp1252", "Windows-1252 (Latin-1)", (0x00A0, 0x00FF), 0.3))
"""Encodings tried, in this order, to name what a file that is not UTF-8 probably is:
the first that decodes it with at least that share of its non-ASCII characters in
the script the encoding is made for."""


def decode_text(raw: bytes, path: str) -> str:
    """The text of a file's bytes: UTF-8, or any text with a byte-order mark (UTF-8,
    UTF-16, UTF-32).  Anything else is refused with a message naming the encoding it
    probably is and how to convert it."""
    for bom, codec in BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as e:
                raise TaskError(f"text file starts with a {codec.upper()} byte-order mark but is not valid "
                                f"{codec.upper()} (byte {e.start}): {path}") from None
            text = text.removeprefix("\ufeff")
            if not text:
                raise TaskError(f"text file is empty: {path}")
            return text
    if b"\x00" in raw:
        half = raw[1::2] if raw.count(0, 1, None) * 2 > len(raw) * 0.4 else b""
        if half and raw[0::2].count(0) < len(raw) // 20:
            hint = (f"; it looks like UTF-16 without a byte-order mark: convert it with "
                    f"iconv -f UTF-16LE -t UTF-8 {path} > {Path(path).stem}.utf8.txt")
        else:
            hint = ""
        raise TaskError(f"text file looks binary (contains NUL bytes): {path}{hint}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        where = e.start
    # guessed from the first MiB, or from the first byte that is not UTF-8 on when that
    # comes later (a long file may be ASCII up to there); in case that byte is a
    # two-byte character's second, from the byte after it too
    near = [raw[:1 << 20]] if where < 1 << 19 else [raw[where + k:where + (1 << 20)] for k in (0, 1)]
    guess = next((g for g in GUESSES if max(_native_share(b, g[0], g[2]) for b in near) >= g[3]), None)
    if guess:
        how = (f"; it looks like {guess[1]}: convert it with "
               f"iconv -f {guess[0].upper().replace('_', '-')} -t UTF-8 {path} > {Path(path).stem}.utf8.txt")
    else:
        how = f"; convert it to UTF-8 first (iconv -f ENCODING -t UTF-8 {path} > {Path(path).stem}.utf8.txt)"
    raise TaskError(f"text file is not UTF-8 (byte {where}): {path}{how}")


COMMON_HANGUL = set("이다는의에가하고을를지서기리도로사자어한있나수대부아인시그들일해정요")
"""Syllables found all through Korean text."""


def _native_share(raw: bytes, codec: str, script: tuple[int, int]) -> float:
    """The share of non-ASCII characters in ``script`` when ``raw`` is read as
    ``codec`` (0 if it cannot be; the last character may be cut off)."""
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as e:
        if e.start < len(raw) - 4:
            return 0.0
        text = raw[:e.start].decode(codec)
    wide = [ord(c) for c in text if ord(c) > 127]
    if not wide:
        return 0.0
    if codec != "cp1252" and len(wide) < 0.3 * len(text):
        return 0.0          # CJK text is mostly CJK; a few accents among ASCII letters are Latin-1
    if codec == "euc_kr" and sum(c in COMMON_HANGUL for c in text) < 0.1 * len(wide):
        return 0.0          # GBK's hanzi read as EUC-KR are Hangul too, but rarely these
    return sum(script[0] <= c <= script[1] for c in wide) / len(wide)
