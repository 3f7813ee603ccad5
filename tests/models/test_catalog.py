"""The model catalogue: retirement warnings name the model to move to."""

from datetime import date

from gitagent.models.catalog import default_model, model_info, retirement_notice


def test_a_retiring_model_is_named_with_its_successor_before_and_after_the_day():
    before = retirement_notice("anthropic:claude-sonnet-4-5", today=date(2026, 11, 21))
    after = retirement_notice("anthropic:claude-sonnet-4-5", today=date(2026, 12, 1))
    assert before is not None and "will be turned off by its provider on 2026-11-30" in before
    assert after is not None and "was turned off by its provider on 2026-11-30" in after
    assert f"--model {default_model('anthropic')}" in after


def test_current_and_unknown_models_get_no_warning():
    assert retirement_notice(default_model("anthropic")) is None
    assert retirement_notice("openai:llama3") is None


def test_the_default_models_are_in_the_catalogue_and_not_retiring():
    for provider in ("anthropic", "openai"):
        info = model_info(default_model(provider))
        assert info is not None and not info.retires
