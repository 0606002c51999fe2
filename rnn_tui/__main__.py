"""``python -m rnn_tui``: the same as the ``rnn-tui`` command."""

import sys

from rnn_tui.tui.__main__ import main

sys.exit(main())
