import asyncio
from tests.app_helpers import trained, wait_until, worker_ready
from rnn_tui.tui.app import RnnApp
async def main():
    app = RnnApp(trained("charlm", 20), paused=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await worker_ready(pilot)
        await pilot.press("u")
        await pilot.pause(1)
        print(type(app.screen).__name__)
        await pilot.press("e")
        await pilot.pause(0.5)
        print(type(app.screen).__name__)
asyncio.run(main())
