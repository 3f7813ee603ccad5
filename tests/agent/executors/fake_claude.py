#!/usr/bin/env python3
"""A stand-in for `claude -p --output-format stream-json --verbose [--resume ID]`, for the executor tests that
must run without Node: it speaks Claude Code's stream (the shapes of tests/fixtures/executors, recorded from
Claude Code 2.1.328) and keeps a session file where Claude Code keeps its own, and it has no model: its
prompt's lines are its instructions.

    WRITE <file> <text>   a Write tool call: <file> in the working directory gets <text>
    HANG                  stop there, forever (a test kills it), unless `release.log` is in the directory
    FAIL                  end with an error result

It answers "Session prompts: [...]" — the last line of every prompt its session holds, this one's last —,
"Session places: [...]" — the directories its session worked in, as Claude Code's session records them —
its command line's arguments ("Args: [...]") and "Prompt: <this prompt>", so a test sees what its session
remembers, where, how it was started and what it was told.
Standard library only: it runs inside gitagent's sandbox with the system's python3.
"""

import json
import os
import sys
import time
import uuid
from pathlib import Path

VERSION = "2.1.328-fake"


def emit(event: dict) -> None:
    print(json.dumps(event), flush=True)


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def session_file(home: Path, resume: str | None, cwd: Path) -> tuple[str, Path]:
    if resume is None:
        session_id = str(uuid.uuid4())
        return session_id, home / ".claude" / "projects" / str(cwd).replace("/", "-") / f"{session_id}.jsonl"
    found = sorted((home / ".claude" / "projects").glob(f"*/{resume}.jsonl"))
    if not found:
        emit({"type": "result", "subtype": "error_during_execution", "is_error": True, "session_id": resume,
              "errors": [f"No conversation found with session ID: {resume}"]})  # fmt: skip
        sys.exit(1)
    return resume, found[0]


def assistant(session_id: str, number: int, block: dict, usage: dict) -> None:
    message = {"id": f"msg_{number}", "type": "message", "role": "assistant", "model": "claude-fake",
               "content": [block], "usage": usage}  # fmt: skip
    emit({"type": "assistant", "message": message, "parent_tool_use_id": None, "session_id": session_id})


def main(args: list[str]) -> int:
    prompt = sys.stdin.read()
    cwd, home = Path.cwd(), Path(os.environ["HOME"])
    session_id, path = session_file(home, option(args, "--resume"), cwd)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as session:
        session.write(json.dumps({"type": "user", "prompt": prompt, "cwd": str(cwd)}) + "\n")
    model = option(args, "--model") or "claude-fake"
    emit({"type": "system", "subtype": "init", "cwd": str(cwd), "session_id": session_id, "model": model,
          "claude_code_version": VERSION, "permissionMode": option(args, "--permission-mode")})  # fmt: skip
    usage = {"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
    number = 0
    for line in prompt.splitlines():
        if line.startswith("WRITE "):
            _, name, content = line.split(" ", 2)
            number += 1
            call = {"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:8]}", "name": "Write",
                    "input": {"file_path": str(cwd / name), "content": content + "\n"}}  # fmt: skip
            assistant(session_id, number, call, usage)
            (cwd / name).write_text(content + "\n")
            result = {"type": "tool_result", "tool_use_id": call["id"], "content": f"File created at {cwd / name}"}
            emit({"type": "user", "message": {"role": "user", "content": [result]}, "parent_tool_use_id": None})
        elif line == "HANG" and not (cwd / "release.log").exists():
            time.sleep(3600)
        elif line == "FAIL":
            emit({"type": "result", "subtype": "error_during_execution", "is_error": True, "session_id": session_id,
                  "errors": ["the fake was told to fail"]})  # fmt: skip
            return 1
    held = [json.loads(line) for line in path.read_text().splitlines()]
    prompts = [entry["prompt"].strip().splitlines()[-1] for entry in held if entry["type"] == "user"]
    places = sorted({entry["cwd"] for entry in held if entry["type"] == "user"})
    answer = (f"Session prompts: {json.dumps(prompts)}\nSession places: {json.dumps(places)}\n"
              f"Args: {json.dumps(args)}\nPrompt: {prompt}")  # fmt: skip
    with path.open("a") as session:
        session.write(json.dumps({"type": "assistant", "text": answer}) + "\n")
    assistant(session_id, number + 1, {"type": "text", "text": answer}, usage)
    total = {**usage, "input_tokens": 10 * (number + 1), "output_tokens": 5 * (number + 1)}
    emit({"type": "result", "subtype": "success", "is_error": False, "session_id": session_id, "result": answer,
          "total_cost_usd": 0.001, "usage": total})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
