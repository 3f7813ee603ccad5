"""A small JSON-over-HTTPS client for the GitHub and GitLab REST APIs (urllib: no extra dependency)."""

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gitagent.errors import GitagentError

TIMEOUT_S = 30
MAX_PAGES = 50
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class ApiError(GitagentError):
    """The API answered with an error status."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} failed: HTTP {status}: {_message(body)}")
        self.status = status
        self.body = body


@dataclass
class Api:
    """One API's base URL and the headers every request carries (its token among them)."""

    base: str
    headers: dict[str, str]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """Send one request to `path` (under `base`) and return the decoded JSON answer (None if empty)."""
        data, _ = self._send(method, self.base + path, body)
        return data

    def pages(self, path: str) -> Iterator[Any]:
        """Every item of a paginated list, following `Link: <…>; rel="next"` (both APIs send it)."""
        url: str | None = self.base + path
        for _ in range(MAX_PAGES):
            if url is None:
                return
            data, headers = self._send("GET", url, None)
            yield from data or []
            found = _NEXT.search(headers.get("Link", ""))
            url = found[1] if found else None

    def _send(self, method: str, url: str, body: Any) -> tuple[Any, dict[str, str]]:
        payload = None if body is None else json.dumps(body).encode()
        headers = {**self.headers, **({"Content-Type": "application/json"} if payload is not None else {})}
        request = urllib.request.Request(url, data=payload, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                text = response.read().decode()
                return (json.loads(text) if text.strip() else None), dict(response.headers)
        except urllib.error.HTTPError as e:
            raise ApiError(method, url, e.code, e.read().decode(errors="replace")) from e
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            raise GitagentError(f"{method} {url} failed: {getattr(e, 'reason', e)}") from e


def _message(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body[:300]
    if isinstance(data, dict):
        parts = [str(data.get("message") or data.get("error") or "")]
        errors = data.get("errors")
        if errors:
            parts.append(json.dumps(errors)[:300])
        return " ".join(p for p in parts if p)[:500]
    return body[:300]
