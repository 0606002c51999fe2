"""Reading a user's corpus: text with a byte-order mark is read in its encoding; a
file in another encoding is refused with the encoding it probably is and how to
convert it; never a traceback."""

from __future__ import annotations

import pytest

from rnn_tui.core.corpus import read_text
from rnn_tui.core.tasks.base import TaskError

POEM = "子曰：学而时习之，不亦说乎？有朋自远方来，不亦乐乎？\n" * 3


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-be-bom", "utf-32"])
def test_text_with_a_byte_order_mark_is_read(tmp_path, codec):
    raw = (b"\xfe\xff" + POEM.encode("utf-16-be")) if codec == "utf-16-be-bom" else POEM.encode(codec)
    (tmp_path / "t.txt").write_bytes(raw)
    assert read_text(str(tmp_path / "t.txt")) == POEM        # the mark itself is not a character


@pytest.mark.parametrize("raw, says", [
    (POEM.encode("gbk"), "it looks like GB18030 (GBK): convert it with iconv -f GB18030 -t UTF-8"),
    ("子曰：學而時習之，不亦說乎？\n".encode("big5") * 3, "it looks like Big5"),
    ("これは日本語の文章です。ひらがなとカタカナ。\n".encode("shift_jis"), "it looks like Shift-JIS"),
    ("안녕하세요 세계 여러분\n".encode("euc_kr"), "it looks like EUC-KR"),
    ("Un café crème, naïve et à la française.\n".encode("cp1252"), "it looks like Windows-1252 (Latin-1)"),
    ("plain words, no mark at all\n".encode("utf-16-le"), "looks like UTF-16 without a byte-order mark"),
    (bytes(range(256)) * 4, "looks binary (contains NUL bytes)"),
    # ASCII for its first MiB and more: the encoding is told from where the file stops being UTF-8
    pytest.param(b"plain ascii\n" * 200_000 + "Un café crème, naïve\n".encode("cp1252"),
                 "it looks like Windows-1252 (Latin-1)", id="ascii-for-2MiB-then-cp1252"),
    pytest.param(b"plain ascii\n" * 200_000 + POEM.encode("gbk"), "it looks like GB18030 (GBK)",
                 id="ascii-for-2MiB-then-gbk"),
])
def test_other_encodings_are_named_in_one_line(tmp_path, raw, says):
    path = tmp_path / "t.txt"
    path.write_bytes(raw)
    with pytest.raises(TaskError) as info:
        read_text(str(path))
    msg = str(info.value)
    assert says in msg and str(path) in msg and "\n" not in msg


def test_the_app_refuses_a_gbk_file_before_opening(run_cli, tmp_path):
    (tmp_path / "lunyu-gbk.txt").write_bytes(POEM.encode("gbk") * 20)
    out = run_cli("--headless", "--text", tmp_path / "lunyu-gbk.txt", "--steps", "2")
    assert out.returncode == 2
    assert out.stderr.startswith("rnn-tui: error: text file is not UTF-8") and "GB18030" in out.stderr
    (tmp_path / "u16.txt").write_text(POEM * 20, encoding="utf-16")
    out = run_cli("--headless", "--text", tmp_path / "u16.txt", "--steps", "2")
    assert out.returncode == 0, out.stderr
