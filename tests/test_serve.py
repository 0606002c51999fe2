"""`rnn-tui serve` in a real headless browser (Debian's Chromium driven by Playwright).

Skipped only when no Chromium is installed; `.ci/run` installs it.  The page draws the
terminal on a canvas, so what it shows is read back by replaying the bytes the app sent
into a terminal emulator (pyte).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed on this machine")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "rnn_tui", "serve", "--port", str(port), "--",
                             "--task", "subtraction", "--seed", "1"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    first = proc.stdout.readline()
    try:
        assert f"http://127.0.0.1:{port}" in first, first
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _open(browser, url: str, screen: Screen | None = None):
    """A new tab on ``url``: the page and the list of frames the app sends it (fed to
    ``screen`` as they come)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})      # ~155x49: all panels
    received: list[bytes] = []

    def on_socket(ws) -> None:
        if screen is not None:
            screen.connect(ws.url)
            ws.on("framesent", screen.sent)

        def on_frame(p) -> None:
            received.append(p if isinstance(p, bytes) else p.encode())
            if screen is not None:
                screen.feed(received[-1])
        ws.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    page.goto(url)
    return page, received


class Screen:
    """The page's terminal as text: the app's output replayed into pyte, resized as the
    page asks the app to resize."""

    def __init__(self):
        self.screen = self.stream = None

    def connect(self, url: str) -> None:
        import pyte

        q = parse_qs(urlparse(url).query)                  # the page's first size
        self.screen = pyte.Screen(int(q["width"][0]), int(q["height"][0]))
        self.stream = pyte.ByteStream(self.screen)

    def sent(self, payload) -> None:
        msg = json.loads(payload)
        if msg[0] == "resize":
            self.screen.resize(msg[1]["height"], msg[1]["width"])

    def feed(self, frame: bytes) -> None:
        if not frame.startswith(b"["):                    # JSON frames are the server's own (pong)
            self.stream.feed(frame)

    @property
    def rows(self) -> list[str]:
        return self.screen.display if self.screen else []

    def status_iteration(self) -> int | None:
        """The iteration the status line (top row) shows."""
        m = re.search(r"\bit ([\d,]+)", self.rows[0]) if self.rows else None
        return int(m.group(1).replace(",", "")) if m else None

    def panel_iterations(self) -> list[int]:
        """The iterations written in the panels' bottom borders (the panels that show
        one example say which iteration it is from)."""
        return [int(m.group(1).replace(",", "")) for row in self.rows if "╯" in row
                for m in re.finditer(r"─ it ([\d,]+) ─", row)]


def _eventually(page, cond, timeout_ms: int = 30000) -> bool:
    """Let the page run until ``cond()`` holds (a loaded machine is slow, never wrong)."""
    waited = 0
    while waited < timeout_ms:
        if cond():
            return True
        page.wait_for_timeout(100)
        waited += 100
    return cond()


def _group(pgid: int) -> set[int]:
    """The processes of a process group (the server's: textual-serve starts each tab's
    app, and the app its training process, in it)."""
    pids = set()
    for d in os.listdir("/proc"):
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError, ValueError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.add(int(d))
    return pids


def _wait_for(page, received, needle: bytes, start: int = 0, timeout_ms: int = 20000) -> bool:
    waited = 0
    while waited < timeout_ms:
        if needle in b"".join(received[start:]):
            return True
        page.wait_for_timeout(100)
        waited += 100
    return False


def test_browser_loads_the_app_and_keys_reach_it(server):
    sync_api = pytest.importorskip("playwright.sync_api")
    url, pgid = server
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            screen = Screen()
            page, received = _open(browser, url, screen)
            assert _wait_for(page, received, b"Loss"), "the loss panel never reached the browser"
            assert _wait_for(page, received, b"[running]")
            # before any click (the page's terminal has no focus yet): the footer has its keys
            assert _eventually(page, lambda: {"Run/Pause", "Quit"} <= set(screen.rows[-1].split())), \
                f"no keys in the footer: {screen.rows[-1]!r}"
            # the panels follow the run: once the status line has run ahead of them, all three
            # catch up with one example, from an iteration at least as late as it showed then
            assert _eventually(page, lambda: screen.panel_iterations() and (screen.status_iteration() or 0)
                               > max(screen.panel_iterations())), "the status line never ran ahead"
            seen = screen.status_iteration()
            assert _eventually(page, lambda: len(set(screen.panel_iterations())) == 1
                               and len(screen.panel_iterations()) == 3 and screen.panel_iterations()[0] >= seen), \
                f"the status line passed it {seen:,}; the panels show {screen.panel_iterations()}"
            mark = len(received)
            page.focus(".xterm-helper-textarea")
            page.keyboard.press(" ")
            assert _wait_for(page, received, b"[paused]", start=mark), "the key press did not reach the app"
            # paused: the panels and the status line show the same iteration
            assert _eventually(page, lambda: screen.panel_iterations() == [screen.status_iteration()] * 3), \
                f"paused at it {screen.status_iteration()}, the panels show {screen.panel_iterations()}"
            one_tab = _group(pgid)
            # a second tab is a session of its own: it starts running, not paused
            page2, received2 = _open(browser, url)
            assert _wait_for(page2, received2, b"[running]")
            assert len(_group(pgid)) > len(one_tab)
            # closing it ends its app (and the app's training process); the first tab's stay
            page2.close()
            assert _eventually(page, lambda: _group(pgid) == one_tab), \
                f"left behind after closing a tab: {_group(pgid) - one_tab}"
        finally:
            browser.close()


def test_serve_refuses_bad_app_flags():
    res = subprocess.run([sys.executable, "-m", "rnn_tui", "serve", "--", "--hidden", "0"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert res.stderr.startswith("rnn-tui: error: --hidden must be a positive integer")


def test_a_port_in_use_or_a_bad_host_is_said_before_any_banner():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = subprocess.run([sys.executable, "-m", "rnn_tui", "serve", "--port", str(port)], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr == f"rnn-tui: error: cannot serve on 127.0.0.1:{port}: port {port} is in use\n"
    res = subprocess.run([sys.executable, "-m", "rnn_tui", "serve", "--host", "no-such-host.invalid"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and res.stdout == "" and "not an address or a known host name" in res.stderr


def test_serving_beyond_loopback_warns_and_ipv6_urls_have_brackets():
    from rnn_tui.tui.serve import url_host

    assert url_host("::") == "[::]" and url_host("::1") == "[::1]" and url_host("0.0.0.0") == "0.0.0.0"
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "rnn_tui", "serve", "--host", "0.0.0.0", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        warning = proc.stderr.readline()
        banner = proc.stdout.readline()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    assert warning.startswith("rnn-tui: warning: 0.0.0.0 is reachable from other machines: anyone who can "
                              f"reach port {port} can drive the app and read and write files as this user")
    assert banner.startswith(f"rnn-tui serving on http://0.0.0.0:{port}")
