"""Which keys apply now, and why a key that does not says so.

A mixin of :class:`~rnn_tui.tui.app.RnnApp`: Textual asks :meth:`KeyGate.check_action`
for every binding (the footer greys or hides what does not apply); the key table
(:mod:`tui.keys`) decides, or the replay mode in a replay.
"""

from __future__ import annotations

from textual import events

from rnn_tui.tui import keys
from rnn_tui.tui.replay import ReplayMode


class KeyGate:
    """``check_action`` and ``on_key`` of the app."""

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "next_panel" and len(self.screen_stack) > 1:
            return False                # tab belongs to the dialog on top (focus, not panels)
        if self.replay is not None:
            return self.replay.allows(action, parameters)
        return keys.applies(action, self)

    def on_key(self, event: events.Key) -> None:
        """Say why a key does nothing when its binding is off: in a replay, while the
        training process is dead or after a divergence, or during a step-through
        (which holds one prepared example)."""
        if len(self.screen_stack) > 1:
            return
        self.confirm.other_key(event.key)       # "press q again" means the very next key
        actions = {b.action.partition("(")[0] for b in self.BINDINGS if event.key in b.key.split(",")}
        if not actions:
            return
        if self.replay is not None:
            why = ReplayMode.refusal(event.key, actions)
            if why:
                self._toast(why)
        elif (self.dead or self.diverged) and not any(self.check_action(a, ()) for a in actions):
            why = next((w for w in map(self._why_not, sorted(actions)) if w), "")
            if why:
                self._toast(f"{event.key}: {why}")
        elif self.mode and actions - keys.REPLAY_ONLY <= keys.STEPPING_OFF and not any(
                self.check_action(a, ()) for a in actions):
            if self.mode == "probe":
                self._toast(f"{event.key}: not while probing: esc leaves the probe (training goes on where it "
                            "was), b and f step through your input, p types another")
                return
            how = ("a applies its update, esc discards it" if self.mode == "bptt"
                   else "esc leaves it (b steps back through the same example)")
            self._toast(f"{event.key}: not during the {'BPTT' if self.mode == 'bptt' else 'forward'} "
                        f"step-through: {how}")
