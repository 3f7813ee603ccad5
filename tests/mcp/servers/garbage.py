"""A broken stdio MCP server, written by hand on purpose: it answers the handshake properly, then prints
noise that is not JSON-RPC, and answers every tool call with a result of the wrong shape."""

import json
import sys


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    request = json.loads(line)
    method, rid = request.get("method"), request.get("id")
    if rid is None:
        continue
    if method == "initialize":
        version = request["params"]["protocolVersion"]
        send(
            {
                "jsonrpc": "2.0",
                "id": rid,
                "result": {
                    "protocolVersion": version,
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "garbage", "version": "0"},
                },
            }
        )
    elif method == "tools/list":
        tool = {"name": "answer", "description": "Answers badly.", "inputSchema": {"type": "object"}}
        send({"jsonrpc": "2.0", "id": rid, "result": {"tools": [tool]}})
    elif method == "tools/call":
        sys.stdout.write("this is not JSON-RPC at all\n")
        send({"jsonrpc": "2.0", "id": rid, "result": {"content": "not a list of blocks", "isError": "maybe"}})
    else:
        send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"no method {method}"}})
