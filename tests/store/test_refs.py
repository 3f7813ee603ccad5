"""Compare-and-swap ref updates and name rules."""

from pathlib import Path

import pygit2
import pytest

from gitagent.errors import GitagentError
from gitagent.store.refs import ConcurrentUpdate, cas_delete, cas_update, validate_name


@pytest.fixture
def r(repo: Path) -> pygit2.Repository:
    return pygit2.Repository(str(repo))


def _commit(r: pygit2.Repository, message: str) -> pygit2.Oid:
    sig = pygit2.Signature("t", "t@example.com")
    return r.create_commit(None, sig, sig, message, r.head.peel(pygit2.Commit).tree.id, [r.head.target])


def test_create_only_if_absent(r: pygit2.Repository) -> None:
    a, b = _commit(r, "a"), _commit(r, "b")
    cas_update(r, "refs/gitagent/conversations/x", a, None, "create")
    with pytest.raises(ConcurrentUpdate):
        cas_update(r, "refs/gitagent/conversations/x", b, None, "create again")
    assert r.references["refs/gitagent/conversations/x"].target == a


def test_update_only_from_the_expected_value(r: pygit2.Repository) -> None:
    a, b, c = _commit(r, "a"), _commit(r, "b"), _commit(r, "c")
    cas_update(r, "refs/gitagent/conversations/x", a, None, "create")
    cas_update(r, "refs/gitagent/conversations/x", b, a, "a to b")
    with pytest.raises(ConcurrentUpdate) as error:
        cas_update(r, "refs/gitagent/conversations/x", c, a, "stale writer")
    assert "changed by another process" in str(error.value)
    assert r.references["refs/gitagent/conversations/x"].target == b


def test_update_loses_to_a_write_made_after_loading(r: pygit2.Repository, repo: Path) -> None:
    import subprocess

    a, b, c = _commit(r, "a"), _commit(r, "b"), _commit(r, "c")
    cas_update(r, "refs/gitagent/conversations/x", a, None, "create")
    subprocess.run(["git", "update-ref", "refs/gitagent/conversations/x", str(b)], cwd=repo, check=True)
    with pytest.raises(ConcurrentUpdate):
        cas_update(r, "refs/gitagent/conversations/x", c, a, "stale")
    with pytest.raises(ConcurrentUpdate):
        cas_delete(r, "refs/gitagent/conversations/x", a)


@pytest.mark.parametrize("name", ["demo", "fix-login", "team/feature.v2", "a_b"])
def test_valid_names(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize("name", ["", "a b", "a..b", "a@b", "-x", "x.lock", "a~b", "a:b", "x/"])
def test_invalid_names(name: str) -> None:
    with pytest.raises(GitagentError, match="invalid conversation name"):
        validate_name(name)
