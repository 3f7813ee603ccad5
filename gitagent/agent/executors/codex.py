"""Codex CLI as an executor: `codex exec --json`, prompt on standard input, `exec resume ID` to continue.

Its stream (one JSON object a line): `thread.started` (the session id), `turn.started`, `item.started` /
`item.completed` for agent messages, commands, file changes, MCP calls and searches, then `turn.completed`
(token totals) or `turn.failed`. Codex talks to the model through a provider gitagent configures on its
command line (`-c model_providers.gitagent=…`, the Responses API at gitagent's base URL), with the key in
`OPENAI_API_KEY`. Its session is the rollout file `~/.codex/sessions/YYYY/MM/DD/rollout-…-<id>.jsonl`, whose
head also says which version and model ran.
"""

import json
import uuid
from pathlib import Path
from typing import Any

from gitagent.agent.events import Notice
from gitagent.agent.executors.recorder import Recorder
from gitagent.models.base import Block, Usage

SANDBOX_FLAGS = (
    "-s", "--sandbox", "--full-auto", "-a", "--ask-for-approval", "--dangerously-bypass-approvals-and-sandbox",
    "--approve-for-me",
)  # fmt: skip
TOOL_ITEMS = ("command_execution", "file_change", "mcp_tool_call", "web_search")


class Codex:
    """What is particular to Codex CLI: its command line, environment, session file and stream."""

    name = "codex"
    provider = "openai"
    key_variables = ("OPENAI_API_KEY",)
    base_url_variable = "OPENAI_BASE_URL"
    passed_on: tuple[str, ...] = ()

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def argv(self, program: Path, session_id: str | None, model: str | None, args: list[str]) -> list[str]:
        """The command line; `-` reads the prompt from standard input. Codex's own sandbox and approvals are
        off unless `args` choose them (gitagent's sandbox confines it, and Codex's cannot nest inside it)."""
        argv = [str(program), "exec", "--json", "--color", "never", "--skip-git-repo-check"]
        if not any(arg.split("=")[0] in SANDBOX_FLAGS for arg in args):
            argv.append("--dangerously-bypass-approvals-and-sandbox")
        provider = f'{{name="gitagent", base_url="{self.base_url}", env_key="OPENAI_API_KEY", wire_api="responses"}}'
        argv += ["-c", 'model_provider="gitagent"', "-c", f"model_providers.gitagent={provider}"]
        if model:
            argv += ["-m", model]
        argv += args
        return argv + (["resume", session_id, "-"] if session_id else ["-"])

    def fixed_env(self, base_url: str | None) -> dict[str, str]:
        """Nothing besides the key: the server is on the command line."""
        return {}

    def find_session(self, home: Path, session_id: str) -> Path | None:
        """The rollout file after a run."""
        found = sorted((home / ".codex" / "sessions").glob(f"**/rollout-*-{session_id}.jsonl"))
        return found[0] if found else None

    def stream(self, recorder: Recorder, home: Path) -> "CodexStream":
        """A reader for one run's stream."""
        return CodexStream(recorder, home, self)


class CodexStream:
    """Feeds `codex exec --json` events into a `Recorder`."""

    def __init__(self, recorder: Recorder, home: Path, codex: Codex) -> None:
        self.recorder = recorder
        self.home = home
        self.codex = codex
        self.session_id: str | None = None
        self.version = ""
        self.finished = False
        self.failure: str | None = None
        self.run = uuid.uuid4().hex[:8]  # item ids restart at item_0 every run; tool_use ids must not repeat

    def feed(self, event: dict[str, Any]) -> None:
        """Take one line of the stream."""
        kind = event.get("type")
        item = event.get("item") or {}
        if kind == "thread.started":
            self.session_id = event.get("thread_id")
        elif kind == "turn.started":
            self._read_rollout()
        elif kind == "item.started" and item.get("type") in TOOL_ITEMS:
            self.recorder.assistant([self._call(item)])
        elif kind == "item.completed":
            self._completed(item)
        elif kind == "turn.completed":
            self._finish(event.get("usage"), None)
        elif kind == "turn.failed":
            self._finish(None, server_message((event.get("error") or {}).get("message")) or "the turn failed")
        elif kind == "error" and event.get("message"):
            self.recorder.emit(Notice(f"codex: {server_message(event['message'])}"))

    def _completed(self, item: dict[str, Any]) -> None:
        kind = item.get("type")
        if kind == "agent_message" and item.get("text"):
            self.recorder.assistant([{"type": "text", "text": item["text"]}])
        elif kind in TOOL_ITEMS:
            call = self._call(item)
            if not self.recorder.pending(call["id"]):
                self.recorder.assistant([call])
            output, failed = _outcome(item)
            self.recorder.tool_result(call["id"], output, failed)
        elif kind == "error" and item.get("message"):
            self.recorder.emit(Notice(f"codex: {item['message']}"))

    def _call(self, item: dict[str, Any]) -> Block:
        name, tool_input = _call_of(item)
        return {"type": "tool_use", "id": f"codex_{self.run}_{item.get('id')}", "name": name, "input": tool_input}

    def _finish(self, usage: dict[str, Any] | None, failure: str | None) -> None:
        self.finished = True
        self.failure = failure
        self.recorder.finish(
            self.session_id or "", is_error=failure is not None, subtype="failed" if failure else "completed",
            usage=codex_usage(usage), cost_usd=None,
        )  # fmt: skip

    def _read_rollout(self) -> None:
        """The version the session was made with and the model this run uses, from the rollout (its latest
        turn context is written when a turn starts)."""
        path = self.codex.find_session(self.home, self.session_id or "")
        if path is None:
            return
        model = None
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            entry = _json(line)
            payload = entry.get("payload") or {}
            if entry.get("type") == "session_meta":
                self.version = str(payload.get("cli_version") or "")
            elif entry.get("type") == "turn_context":
                model = payload.get("model") or model
        if model:
            self.recorder.set_model(f"openai:{model}")


def _call_of(item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A Codex item as a tool call in gitagent's (Claude Code's) terms where there is one."""
    kind = item.get("type")
    if kind == "command_execution":
        return "Bash", {"command": item.get("command", "")}
    if kind == "file_change":
        return "apply_patch", {"changes": [{"path": c.get("path"), "kind": c.get("kind")} for c in item["changes"]]}
    if kind == "mcp_tool_call":
        return f"mcp__{item.get('server')}__{item.get('tool')}", item.get("arguments") or {}
    return "WebSearch", {"query": item.get("query", "")}


def _outcome(item: dict[str, Any]) -> tuple[str, bool]:
    kind = item.get("type")
    failed = item.get("status") in ("failed", "declined")
    if kind == "command_execution":
        code = item.get("exit_code")
        note = f"\n[exit code {code}]" if code not in (0, None) else ""
        return f"{item.get('aggregated_output', '')}{note}", failed or code not in (0, None)
    if kind == "file_change":
        return "\n".join(f"{c.get('kind')} {c.get('path')}" for c in item.get("changes", [])), failed
    if kind == "mcp_tool_call":
        error = (item.get("error") or {}).get("message")
        return error or json.dumps(item.get("result"), ensure_ascii=False), failed or error is not None
    return f"searched: {item.get('query', '')}", failed


def server_message(text: str | None) -> str | None:
    """Codex's error text, which passes a server's JSON error body on as it came: the message in it."""
    error = _json(text or "").get("error")
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) and message else text


def codex_usage(data: dict[str, Any] | None) -> Usage:
    """Codex's token totals in gitagent's terms (its input count includes the cached part)."""
    data = data or {}
    cached = int(data.get("cached_input_tokens") or 0)
    return Usage(
        max(0, int(data.get("input_tokens") or 0) - cached),
        int(data.get("output_tokens") or 0),
        cached,
        int(data.get("cache_write_input_tokens") or 0),
    )


def _json(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
