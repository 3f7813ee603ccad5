"""Warms the OpenAI SDK for a batch's workers (see `gitagent.batch.warm`): gitagent's model module imports it."""

from gitagent.batch.warm import import_all

import_all(("gitagent.models.openai", "gitagent.models.openai_responses"))
