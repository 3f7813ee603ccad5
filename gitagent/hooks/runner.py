"""Running the hooks of an event for the agent loop: trust, matchers, the protocol, one merged outcome.

The runner knows nothing of the agent: the loop calls it at each event and acts on the `HookOutcome`.
Hooks of an event run one after another in discovery order (repository hooks, then the user's), and
every one of them runs, as in Claude Code (which runs them all at once): an auditing hook hears of a call
an earlier hook blocked. A PreToolUse hook's `updatedInput` is what later hooks see; the decisions merge
(deny over ask over allow; a block or a stop stands whatever later hooks say).
"""

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gitagent.hooks.discovery import Discovery, Hook, discover
from gitagent.hooks.events import EVENTS, MATCH_FIELDS
from gitagent.hooks.outcome import HookOutcome, apply_result
from gitagent.hooks.process import hook_env, run_hook_process
from gitagent.userdir import user_config_dir
from gitagent.workspace.sessionenv import ENV_FILE_EVENTS, SessionEnv

TrustPredicate = Callable[[Hook], bool]


class HookRunner:
    """The hooks of one repository and user, run with a session's identity in a conversation's worktree."""

    def __init__(
        self,
        repo_root: Path,
        worktree: Path,
        *,
        is_trusted: TrustPredicate,
        user_dir: Path | None = None,
        session_id: str = "",
        transcript_path: str | Path = "",
        conversation: str = "",
        env: Mapping[str, str] | None = None,
        discovery: Discovery | None = None,
        session_env: SessionEnv | None = None,
    ) -> None:
        """Find the hooks of `repo_root` (the user's checkout) and `user_dir` (default: the user's config dir).

        Hooks run in `repo_root` (their working directory, and `cwd` in their input) on every turn, so what
        their command lines name is the checkout's, never a file the agent wrote. `worktree` is where the
        agent works: `$GITAGENT_WORKTREE`, and where the absolute `file_path`s of tool events point.
        `conversation` names it for `gitagent exec`. `is_trusted` says whether a repository hook may run;
        user-level hooks always may. `env` defaults to this process's environment. `session_env`: the
        conversation's session environment, whose files SessionStart hooks get as `CLAUDE_ENV_FILE`.
        """
        self.repo_root = Path(repo_root)
        self.worktree = Path(worktree)
        self.is_trusted = is_trusted
        self.session_id = session_id
        self.transcript_path = str(transcript_path)
        self.env = hook_env(os.environ if env is None else env, self.repo_root, self.worktree, conversation)
        self.session_env = session_env
        self.discovery = discovery or discover(self.repo_root, user_config_dir() if user_dir is None else user_dir)
        self._reported: set[Hook] = set()

    @property
    def problems(self) -> list[str]:
        """What was wrong with the hook files and declarations (show once, e.g. at session start)."""
        return self.discovery.problems

    def hooks_for(
        self, event: str, payload: Mapping[str, Any] | None = None, tool_name: str | None = None
    ) -> list[Hook]:
        """The hooks that apply to `event` for this payload (or tool), in run order."""
        field = MATCH_FIELDS.get(event)
        value = (payload or {}).get(field) if field else None
        if field == "tool_name" and tool_name is not None:
            value = tool_name
        return self.discovery.for_event(event, value if isinstance(value, str) else None)

    def run(self, event: str, payload: Mapping[str, Any] | None = None, tool_name: str | None = None) -> HookOutcome:
        """Run the hooks of `event` and merge what they decided.

        `payload` holds the event's own fields (`prompt`; `tool_name`, `tool_input`, `tool_use_id`,
        `tool_response`; `stop_hook_active`; …) and the turn's (`prompt_id`, `permission_mode`); the runner
        adds `session_id`, `transcript_path`, `cwd` and `hook_event_name`, in Claude Code's order. Untrusted
        repository hooks are not run but listed in `skipped_untrusted`.
        """
        if event not in EVENTS:
            raise ValueError(f"unknown hook event {event!r}")
        given = dict(payload or {})
        data: dict[str, Any] = {
            "session_id": self.session_id,
            "transcript_path": self.transcript_path,
            "cwd": str(self.repo_root),
            **{key: given.pop(key) for key in ("prompt_id", "permission_mode") if key in given},
            "hook_event_name": event,
            **given,
        }
        if tool_name is not None:
            data["tool_name"] = tool_name
        outcome = HookOutcome(event)
        hooks = self.hooks_for(event, data)
        for hook in hooks:
            if hook.problem and hook not in self._reported:
                self._reported.add(hook)
                outcome.errors.append(f"hook {hook.label} ({event}): {hook.problem}")
                outcome.record(hook, "not-run", message=hook.problem)
        env_files = self.session_env if event in ENV_FILE_EVENTS else None
        for index, hook in enumerate(hooks):
            if hook.problem:
                continue
            if hook.needs_trust and not self.is_trusted(hook):
                outcome.skipped_untrusted.append(hook)
                outcome.record(hook, "skipped-untrusted")
                continue
            stdin = json.dumps(data, ensure_ascii=False, default=str).encode()
            env = self.env
            if env_files is not None:  # Claude Code numbers the files by the hook's place among those matched
                env = {**env, "CLAUDE_ENV_FILE": str(env_files.file_for(event, index))}
            result = run_hook_process(hook.argv, stdin, cwd=self.repo_root, env=env, timeout=hook.timeout)
            before = outcome.updated_input
            apply_result(outcome, hook, result)
            if outcome.updated_input is not before and outcome.updated_input is not None:
                data["tool_input"] = outcome.updated_input
        if env_files is not None:
            env_files.changed()
        return outcome
