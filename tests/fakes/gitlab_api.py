"""A fake GitLab REST API (v4) for one merge request: the merge request, its discussions and notes.

Checks `PRIVATE-TOKEN`, and each discussion's text `position` as GitLab does: the merge request's
`base_sha`/`start_sha`/`head_sha`, `position_type: text`, `new_path`/`old_path`, `new_line` on a line of
the diff, and `old_line` exactly when the line is unchanged context (400 otherwise, GitLab's line_code error).
"""

from itertools import count
from typing import Any

from tests.fakes.forge import DiffLines, Forge, Request

TOKEN = "glpat-fake-token-0123456789"
BAD_LINE = {"message": '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}'}


class FakeGitLab(Forge):
    """Project `project_id`, merge request `iid`, with the diff refs and diff of the change."""

    def __init__(self, project_id: int, iid: int, diff_refs: dict[str, str], diff: dict[str, DiffLines]) -> None:
        super().__init__()
        self.project_id, self.iid, self.diff_refs, self.diff = project_id, iid, diff_refs, diff
        self.discussions: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.ids = count(501)

    @property
    def api_url(self) -> str:
        return self.root + "/api/v4"

    def route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if request.headers.get("private-token") != TOKEN:
            return 401, {"message": "401 Unauthorized"}, {}
        mr = f"/api/v4/projects/{self.project_id}/merge_requests/{self.iid}"
        m, path = request.method, request.path
        if (m, path) == ("GET", mr):
            return 200, {"iid": self.iid, "diff_refs": self.diff_refs, "sha": self.diff_refs["head_sha"]}, {}
        if (m, path) == ("GET", f"{mr}/discussions"):
            return self.page(request, self.discussions)
        if (m, path) == ("POST", f"{mr}/discussions"):
            return self._discussion(request.body)
        if (m, path) == ("GET", f"{mr}/notes"):
            return self.page(request, self.notes)
        if (m, path) == ("POST", f"{mr}/notes"):
            if not isinstance(request.body, dict) or set(request.body) != {"body"}:
                return self.problem(400, f"bad note: {request.body}")
            note = {"id": next(self.ids), "body": request.body["body"], "system": False}
            self.notes.append(note)
            return 201, note, {}
        if m == "PUT" and path.startswith(f"{mr}/notes/"):
            note = next((n for n in self.notes if n["id"] == int(path.rsplit("/", 1)[1])), None)
            if note is None:
                return 404, {"message": "404 Not found"}, {}
            note["body"] = request.body["body"]
            return 200, note, {}
        return self.problem(404, f"no such endpoint: {m} {path}")

    def _discussion(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or not body.get("body") or set(body) - {"body", "position"}:
            return self.problem(400, f"bad discussion: {body}")
        position = body.get("position")
        if position is not None:
            refused = self._check_position(position)
            if refused is not None:
                return refused
        note = {"id": next(self.ids), "body": body["body"], "position": position}
        discussion = {"id": f"d{note['id']}", "notes": [note]}
        self.discussions.append(discussion)
        return 201, discussion, {}

    def _check_position(self, p: dict[str, Any]) -> tuple[int, Any, dict[str, str]] | None:
        required = {"base_sha", "start_sha", "head_sha", "position_type", "new_path", "old_path", "new_line"}
        if not required <= set(p) or set(p) - required - {"old_line"} or p["position_type"] != "text":
            return self.problem(400, f"bad position: {p}")
        if any(p[k] != self.diff_refs[k] for k in ("base_sha", "start_sha", "head_sha")):
            return self.problem(400, f"position shas differ from diff_refs: {p}")
        lines = self.diff.get(p["new_path"])
        line = p["new_line"]
        if lines is None or lines.hunk_of(line) is None:
            return 400, BAD_LINE, {}
        if line in lines.context and p.get("old_line") != lines.context[line]:
            return 400, BAD_LINE, {}
        if line in lines.added and "old_line" in p:
            return 400, BAD_LINE, {}
        return None
