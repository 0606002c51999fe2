"""rnn-tui: train a plain-NumPy RNN in your terminal and step through BPTT while it learns.

One import package, two halves: :mod:`rnn_tui.core` (pure NumPy: the model, BPTT,
tasks, trainer, checkpoints) and :mod:`rnn_tui.tui` (the Textual app).

The source tree keeps ``core/`` and ``tui/`` at its top; the wheel maps them into
this package (see ``pyproject.toml``).  In a checkout this folder holds only this
file and ``__main__.py``, so the package's path is extended to the tree's top:
``rnn_tui.core`` is then the checkout's ``core/`` folder.
"""

from __future__ import annotations

import os

_here = os.path.dirname(os.path.abspath(__file__))
if not os.path.isdir(os.path.join(_here, "core")):      # a checkout, not an installed wheel
    __path__.append(os.path.dirname(_here))              # noqa: F821 (a package's own __path__)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rnn-tui")
    except PackageNotFoundError:                         # a checkout that was never installed
        return "0+unknown"


__version__ = _version()
