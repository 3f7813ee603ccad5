"""`gitagent batch`: run many tasks, each as a conversation, in local processes or on Ray; `batch show`."""

import contextlib
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from gitagent.batch import record
from gitagent.batch.plan import Settings
from gitagent.batch.progress import describe, table
from gitagent.batch.tasks import batch_id_of
from gitagent.cli import options
from gitagent.cli.common import dispatch, new_app, print_json, print_table, repository

app = new_app()

Jobs = Annotated[
    int | None,
    typer.Option("--jobs", "-j", min=1, help="Tasks at once (default 4; with --ray alone, the local Ray's CPUs)."),
]
Ray = Annotated[
    str | None,
    typer.Option("--ray", metavar="[ADDRESS]", help="Run on Ray: a local instance, or the cluster at ADDRESS."),
]
Remote = Annotated[
    str | None, typer.Option("--remote", metavar="URL", help="Push the conversations here (needed with a Ray ADDRESS).")
]
MaxCost = Annotated[
    float | None,
    typer.Option("--max-cost", min=0, help="Start no task once spent plus running tasks' worst case would pass it."),
]
Timeout = Annotated[
    float | None, typer.Option("--timeout", min=1, metavar="S", help="Stop a task after S seconds: interrupted.")
]
Retries = Annotated[
    int, typer.Option("--retries", min=0, help="Tries again after a transient failure (provider, worker, git).")
]
Name = Annotated[
    str | None, typer.Option("--name", metavar="ID", help="The batch id (default: the tasks file's name).")
]
Json = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]


@app.command()
def batch(
    tasks_file: Annotated[Path, typer.Argument(metavar="TASKS.jsonl", help="One task a line: {id, prompt, ...}.")],
    jobs: Jobs = None,
    ray: Ray = None,
    remote: Remote = None,
    max_cost: MaxCost = None,
    timeout: Timeout = None,
    retries: Retries = 2,
    name: Name = None,
    json_output: Json = False,
    model: options.Model = None,
    base_url: options.BaseUrl = None,
    max_steps: options.MaxSteps = 100,
    sandbox: options.Sandbox = None,
    allow_network: options.AllowNetwork = False,
    trust_repo: options.TrustRepo = False,
) -> None:
    """Run many tasks, each as a conversation, in local processes or on a Ray cluster.

    Each task runs as the conversation batch/ID/TASK; re-running the batch skips the finished ones.
    `gitagent batch show ID` prints a batch's results again, from git.
    """
    from gitagent.batch.driver import run_batch

    repo = repository()
    settings = Settings(
        jobs=jobs, ray=ray, remote=remote, max_cost=max_cost, timeout=timeout, retries=retries, model=model,
        base_url=base_url, max_steps=max_steps, sandbox=sandbox, allow_network=allow_network, trust_repo=trust_repo,
    )  # fmt: skip
    batch_id = batch_id_of(tasks_file, name)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # Ray's own notices must not mix into the summary
            data = run_batch(repo, tasks_file, batch_id, settings)
    except KeyboardInterrupt:
        print(f"\ngitagent: batch {batch_id} interrupted; run the same command again to resume it", file=sys.stderr)
        raise typer.Exit(130) from None
    _report(data, json_output)
    raise typer.Exit(0 if data["totals"]["complete"] == data["totals"]["tasks"] else 1)


@app.command()
def show(
    batch_id: Annotated[str, typer.Argument(metavar="BATCH", help="The batch's id.")],
    json_output: Json = False,
) -> None:
    """Show a batch's results as its last run left them."""
    _report(record.load(repository(), batch_id), json_output)


def _report(data: dict, json_output: bool) -> None:
    if json_output:
        print_json(data)
        return
    print_table(table(data["tasks"]))
    totals = data["totals"]
    print(
        f"\nbatch {data['batch']}: {totals['complete']}/{totals['tasks']} complete, {totals['failed']} failed, "
        f"{totals['interrupted']} interrupted, {totals['not_started']} not started; ${totals['cost_usd']:.4f} "
        f"this run ({totals['skipped']} done earlier)"
    )
    if data.get("stopped"):
        print(f"stopped early: {data['stopped']}")
    for task in data["tasks"]:
        if task["status"] != "complete":
            print(f"  {task['id']}: {describe(task)}", file=sys.stderr)
    print(f"review: gitagent log batch/{data['batch']}/TASK · gitagent diff ... · gitagent export ... BRANCH")


def _ray_address(args: list[str]) -> list[str]:
    """`--ray` takes an optional address: `--ray` alone is a local instance, `--ray ADDRESS` a cluster."""
    out: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg != "--ray":
            out.append(arg)
            continue
        following = next(rest, None)
        if following is not None and (re.match(r"^[\w.-]+://|^auto$|^[\w.-]+:\d+$", following)):
            out.append(f"--ray={following}")
        else:
            out.append("--ray=local")
            if following is not None:
                out.append(following)
    return out


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    if args[1:2] == ["show"]:
        dispatch(app, args[1:])
    else:
        dispatch(app, _ray_address(args))
