"""The status line at 80 columns: fields in priority order, kept whole; a message
too long for it is cut at a word (…) and shown in full in a toast."""

from __future__ import annotations

from rnn_tui.tui.app import RnnApp
from rnn_tui.tui.widgets.status_bar import fit
from tests.app_helpers import trained, wait_until, worker_ready


def test_fields_are_kept_whole_in_priority_order():
    fields = [(0, "[paused]", ""), (1, "checkpoint written: a-rather-long-file-name.npz", ""), (2, "lr 0.1", ""),
              (3, "temp 1.00", "")]
    assert fit(fields, 200).plain == "[paused]  checkpoint written: a-rather-long-file-name.npz  lr 0.1  temp 1.00"
    assert fit(fields, 60).plain == "[paused]  checkpoint written: a-rather-long-file-name.npz"
    assert fit(fields, 40, cut=1).plain == "[paused]  checkpoint written:…  lr 0.1"
    assert fit(fields, 20, cut=1).plain == "[paused]  lr 0.1"          # never half a word
    # of two fields of one priority, the one that does not fit is left out (not both kept)
    same = [(0, "[probe]", ""), (2, "your input: loss 1.565", ""), (2, "lr 0.9", "")]
    assert fit(same, 31).plain == "[probe]  your input: loss 1.565"


async def test_a_long_message_at_80_columns_is_cut_at_a_word_and_toasted_in_full(tmp_path):
    app = RnnApp(trained("subtraction", 20), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        text = "BPTT left: its update was applied (one training step, exactly what training would have made)"
        app._on_event(type("E", (), {"kind": "info", "text": text})())
        app._draw_status()
        await pilot.pause(0.1)
        line = str(app.query_one("#status").content).splitlines()[1]
        assert line.endswith("…") and len(line) <= 78
        assert line.rstrip("…").split()[-1] in text.split()              # a whole word
        assert any("exactly what training would have made" in n.message for n in app._notifications)


async def test_the_divergence_line_says_what_halving_does():
    app = RnnApp(trained("charlm", 0, lr=1000.0, clip_mode="none"), paused=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.diverged, timeout=30, what="a divergence")
        await pilot.pause(0.3)
        line = str(app.query_one("#status").content).splitlines()[1]
        assert "⚠ diverged: z rolls back  - halves the lr (now 1000)" in line


async def test_a_narrow_terminal_still_says_how_to_get_help_and_out():
    app = RnnApp(trained("charlm", 5), paused=True)
    async with app.run_test(size=(60, 20)) as pilot:
        await worker_ready(pilot)
        await pilot.pause(0.3)
        line = str(app.query_one("#status").content).splitlines()[1]
        assert "? help · q quit" in line and "lr 0.1" in line
    app = RnnApp(trained("charlm", 5), paused=True)
    async with app.run_test(size=(100, 30)) as pilot:                  # room for the whole hint
        await worker_ready(pilot)
        await pilot.pause(0.3)
        assert "? help · space run · n step · b BPTT · q quit" in str(app.query_one("#status").content)
