"""How a turn can end short of a proper answer: each limit is an exception whose `status` the record keeps."""


class TurnLimit(Exception):
    """A limit ended the turn before a proper answer; `status` is how its record says so."""

    status = "limit"

    @property
    def errors(self) -> list[str]:
        """What went wrong, one line each (the JSON output's `errors`)."""
        return [str(self)]


class StepLimitReached(TurnLimit):
    """The turn used all its model steps without a final answer."""

    status = "max_steps"


class CostLimitReached(TurnLimit):
    """The turn's model calls cost as much as it was allowed to spend."""

    status = "max_cost"


class OutputInvalid(TurnLimit):
    """The turn used all its tries without a valid structured output."""

    status = "invalid_output"

    def __init__(self, tries: int, errors: list[str]) -> None:
        self.validation_errors = errors
        super().__init__(f"no valid structured output after {tries} tries")

    @property
    def errors(self) -> list[str]:
        """The last try's validation errors."""
        return self.validation_errors
