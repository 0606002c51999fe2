"""Write the README's generated parts: the table of keys, from the app's one key table
(``tui/keys.py``, which also makes the footer, the ``?`` screen and the palette).

    python docs/update_readme.py          # rewrite README.md
    python docs/update_readme.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START = "<!-- keys: generated from tui/keys.py by `python docs/update_readme.py`; edit them there -->"
END = "<!-- /keys -->"


def rendered(readme: str) -> str:
    from rnn_tui.tui.keys import markdown_table

    block = re.compile(re.escape(START) + r"\n.*?\n" + re.escape(END), re.S)
    if not block.search(readme):
        raise SystemExit("README.md has no keys block (its markers are missing)")
    return block.sub(lambda _: f"{START}\n{markdown_table()}\n{END}", readme, count=1)


def main() -> int:
    path = ROOT / "README.md"
    old = path.read_text(encoding="utf-8")
    new = rendered(old)
    if "--check" in sys.argv:
        if new != old:
            print("README.md's key table is out of date: run python docs/update_readme.py", file=sys.stderr)
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
