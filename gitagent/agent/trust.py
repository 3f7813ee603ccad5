"""Trust in code that comes from a repository (hooks, skills, its config), recorded by content id.

The store is the multi-valued local git config key `gitagent.trust`: it lives outside the repository's
content (a clone or a pull never brings trust along), and the agent cannot write it from inside the
sandbox, where `.git` is read-only. A changed file has a new content id, so it needs trusting again.
"""

import pygit2

TRUST_KEY = "gitagent.trust"


def content_id(data: bytes) -> str:
    """The id of some content: its git blob id."""
    return str(pygit2.hash(data))


def trusted_ids(repo: pygit2.Repository) -> set[str]:
    """Every content id the user has trusted in this repository."""
    try:
        return set(repo.config.get_multivar(TRUST_KEY))
    except KeyError:
        return set()


def trust(repo: pygit2.Repository, ids: list[str]) -> list[str]:
    """Record `ids` as trusted; returns those that were not trusted before."""
    known = trusted_ids(repo)
    added = [i for i in dict.fromkeys(ids) if i not in known]
    for value in added:
        repo.config.set_multivar(TRUST_KEY, f"^{value}$", value)
    return added


def revoke(repo: pygit2.Repository) -> int:
    """Forget every trusted id of this repository; returns how many there were."""
    count = len(trusted_ids(repo))
    if count:
        repo.config.delete_multivar(TRUST_KEY, ".*")
    return count
