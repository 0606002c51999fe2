"""rnn-tui's terminal app (Textual).  Entry point: :func:`tui.__main__.main`."""
