"""Surviving a terminal that goes away under the app (an SSH link drops, tmux is killed),
and a reader of stdout that stops reading (:func:`say`).

Textual writes the screen from an output thread that takes text from a queue of at
most 30 writes.  When the terminal vanishes, the first write fails (``EIO`` on a pty
whose other end closed) and the exception ends the thread; the app goes on queueing
frames, and the 31st write waits for ever.  The app froze that way after ``SIGHUP``
(found once after a 35-minute run: the autosave was written, then the process sat
in a futex until ``kill -9``).  :func:`survive_a_vanished_terminal` makes the thread
drop what it cannot write and keep draining its queue, so the app ends as ``SIGHUP``
asks it to (status 129, the run autosaved).
"""

from __future__ import annotations

import os
import sys


def say(*text) -> None:
    """Print a line to stdout; once its reader is gone (``| head``), go on quietly."""
    try:
        print(*text, flush=True)
    except BrokenPipeError:
        # Point stdout at /dev/null so neither later lines nor the exit flush fail
        # again: what the run writes to files (--csv, --save, ...) is still written.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _run(self) -> None:
    """``WriterThread.run``, except that a failed write ends the writing, not the
    thread: everything queued after it is dropped, and ``stop()`` still returns."""
    get, qsize = self._queue.get, self._queue.qsize
    gone = False
    while True:
        text = get()
        if text is None:
            break
        if gone:
            continue
        try:
            self._file.write(text)
            if qsize() == 0:
                self._file.flush()
        except (OSError, ValueError):          # EIO, EPIPE; ValueError: the file was closed
            gone = True
    if not gone:
        try:
            self._file.flush()
        except (OSError, ValueError):
            pass


def survive_a_vanished_terminal() -> None:
    """Install :func:`_run` as Textual's output thread's loop (once; idempotent)."""
    from textual.drivers._writer_thread import WriterThread

    WriterThread.run = _run
