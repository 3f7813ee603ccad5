"""`/model SPEC` checks the model off the UI thread: while its SDK loads, the screen takes keys (issue 22)."""

import threading

from gitagent.agent.modelchoice import ModelChoice
from gitagent.tui.widgets.prompt import PromptInput
from tests.conftest import text
from tests.tui.conftest import screen_text, send, settle

HOLD_S = 30.0


async def test_the_prompt_takes_keys_while_model_loads(script, make_app, monkeypatch):
    loading, release = threading.Event(), threading.Event()
    real_load = ModelChoice.load

    def slow_load(self, on_retry=None):
        loading.set()
        release.wait(HOLD_S)  # a provider's SDK importing
        return real_load(self, on_retry)

    monkeypatch.setattr(ModelChoice, "load", slow_load)
    app = make_app(script([text("ok")]))
    other = script([text("from the other model")])
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, f"/model {other}", wait=False)
        assert loading.wait(HOLD_S)
        await pilot.press("h", "i")
        assert app.query_one(PromptInput).text == "hi"
        assert app.session.options.model != other  # the keys were taken while the model still loads
        release.set()
        await settle(pilot)
        assert app.session.options.model == other
        assert f"The next turns use {other}." in screen_text(app)
