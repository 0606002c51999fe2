"""`rnn-tui serve` in a real headless browser (Debian's Chromium driven by Playwright).

Skipped only when no Chromium is installed; `.ci/run` installs it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

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
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    received: list[bytes] = []
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda p: received.append(p if isinstance(p, bytes) else p.encode())))
    page.goto(url)
    return page, received


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
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page, received = _open(browser, server)
            assert _wait_for(page, received, b"Loss"), "the loss panel never reached the browser"
            assert _wait_for(page, received, b"[running]")
            mark = len(received)
            page.focus(".xterm-helper-textarea")
            page.keyboard.press(" ")
            assert _wait_for(page, received, b"[paused]", start=mark), "the key press did not reach the app"
            # a second tab is a session of its own: it starts running, not paused
            page2, received2 = _open(browser, server)
            assert _wait_for(page2, received2, b"[running]")
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
