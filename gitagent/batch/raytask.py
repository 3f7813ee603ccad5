"""What a Ray worker runs for each task of a batch (`run`), in a module light enough that the worker has started
the node's SDK server before it loads gitagent's agent.

The model keys arrive as the task's own argument, from the driver to the worker in memory: not in Ray's
runtime environment, whose agent writes the environment it creates into its log (`runtime_env_agent.log`),
and which makes Ray start each worker through a set-up process and a second Python, never on the workers it
prestarted. A Ray worker runs task after task of the same batch, so it loads gitagent once.
"""

import os
from typing import Any


def run(spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Run the task `spec` with the driver's model keys and servers `env`; its summary (see `worker.run_task`)."""
    os.environ.update(env)
    if spec["task"]["model"].startswith("anthropic:"):
        from gitagent.models import sdkproc

        # the node's shared SDK server (or this worker's own) loads the SDK while this process loads the agent
        sdkproc.prestart(executor_named=spec["task"].get("executor") is not None)
    from gitagent.batch.worker import run_task

    return run_task(spec)
