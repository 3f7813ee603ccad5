"""Validation follows the Agent Skills specification: every rule, and client keys as warnings."""

from pathlib import Path

import pytest

from gitagent.skills import validate_skill
from tests.skills.conftest import write_skill


def problems(folder: Path) -> list[str]:
    _, found = validate_skill(folder)
    return [f"{p.level} {p.field}: {p.message}" for p in found]


def test_a_valid_skill_loads_with_its_body_and_frontmatter(tmp_path: Path) -> None:
    folder = write_skill(
        tmp_path,
        "pdf-tools",
        "name: pdf-tools\ndescription: Work with PDF files.\nlicense: MIT\ncompatibility: Needs poppler\n"
        "metadata:\n  author: ada\n  version: '1.0'\nallowed-tools: Bash(pdftotext:*) Read\n",
        body="# PDF\n\nRun scripts/extract.sh.\n",
    )
    skill, found = validate_skill(folder)
    assert found == []
    assert skill is not None
    assert (skill.name, skill.description, skill.source) == ("pdf-tools", "Work with PDF files.", "repo")
    assert skill.body == "# PDF\n\nRun scripts/extract.sh.\n"
    assert skill.frontmatter["metadata"] == {"author": "ada", "version": "1.0"}
    assert skill.path == folder.resolve()


def test_allowed_tools_may_be_a_list(tmp_path: Path) -> None:
    folder = write_skill(tmp_path, "lister", "name: lister\ndescription: d\nallowed-tools:\n  - Read\n  - Bash\n")
    assert problems(folder) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("PDF-tools", "must be lowercase"),
        ("pdf_tools", "may only contain lowercase letters, digits and hyphens"),
        ("pdf.tools", "may only contain lowercase letters, digits and hyphens"),
        ("-pdf", "must not start or end with a hyphen"),
        ("pdf-", "must not start or end with a hyphen"),
        ("pdf--tools", "must not contain consecutive hyphens"),
    ],
)
def test_bad_names_are_errors_naming_the_rule(tmp_path: Path, name: str, message: str) -> None:
    folder = write_skill(tmp_path, name, f"name: {name}\ndescription: d\n")
    skill, found = validate_skill(folder)
    assert skill is None
    assert [p.message for p in found] == [f"'{name}': {message}"]
    assert found[0].field == "name" and found[0].file == folder / "SKILL.md"


def test_name_length_limit_is_64(tmp_path: Path) -> None:
    ok = "a" * 64
    assert problems(write_skill(tmp_path, ok, f"name: {ok}\ndescription: d\n")) == []
    long = "a" * 65
    assert problems(write_skill(tmp_path, long, f"name: {long}\ndescription: d\n")) == [
        "error name: must be at most 64 characters, got 65"
    ]


def test_name_must_equal_the_folder_name(tmp_path: Path) -> None:
    folder = write_skill(tmp_path, "folder-name", "name: other-name\ndescription: d\n")
    assert problems(folder) == ["error name: 'other-name' must equal the skill's folder name 'folder-name'"]


def test_required_fields(tmp_path: Path) -> None:
    folder = write_skill(tmp_path, "bare", "license: MIT\n")
    assert problems(folder) == ["error name: missing (required)", "error description: missing (required)"]
    empty = write_skill(tmp_path, "empty", "name: ''\ndescription: '  '\n")
    assert problems(empty) == ["error name: must not be empty", "error description: must not be empty"]


def test_description_and_compatibility_limits(tmp_path: Path) -> None:
    at_limit = write_skill(tmp_path, "at", f"name: at\ndescription: {'d' * 1024}\ncompatibility: {'c' * 500}\n")
    assert problems(at_limit) == []
    over = write_skill(tmp_path, "over", f"name: over\ndescription: {'d' * 1025}\ncompatibility: {'c' * 501}\n")
    assert problems(over) == [
        "error description: must be at most 1024 characters, got 1025",
        "error compatibility: must be at most 500 characters, got 501",
    ]


def test_field_types(tmp_path: Path) -> None:
    folder = write_skill(
        tmp_path,
        "types",
        "name: types\ndescription: [a, b]\nlicense: 3\nmetadata: just text\nallowed-tools: {Read: true}\n",
    )
    assert problems(folder) == [
        "error description: must be a string, got a list",
        "error license: must be a string, got a number",
        "error metadata: must be a mapping of keys to values, got a string",
        "error allowed-tools: must be a space-separated string or a list of strings, got a mapping",
    ]


def test_unknown_keys_are_errors_and_client_keys_warnings(tmp_path: Path) -> None:
    folder = write_skill(
        tmp_path,
        "claude-style",
        "name: claude-style\ndescription: d\nmodel: opus\ndisable-model-invocation: true\n"
        "argument-hint: '[file]'\nuser-invocable: false\n",
    )
    skill, found = validate_skill(folder)
    assert skill is not None, "client keys must not make a skill invalid"
    assert [(p.level, p.field) for p in found] == [
        ("warning", "model"),
        ("warning", "disable-model-invocation"),
        ("warning", "argument-hint"),
        ("warning", "user-invocable"),
    ]
    assert "Claude Code extension" in found[0].message
    assert skill.warnings == found

    unknown = write_skill(tmp_path, "odd", "name: odd\ndescription: d\nflavour: mint\n")
    assert problems(unknown) == [
        "error flavour: unknown key (the standard allows: allowed-tools, compatibility, description, license, "
        "metadata, name; put extras under metadata)"
    ]


def test_non_string_metadata_values_are_warnings(tmp_path: Path) -> None:
    folder = write_skill(tmp_path, "meta", "name: meta\ndescription: d\nmetadata:\n  version: 1.0\n")
    assert problems(folder) == ["warning metadata.version: the standard expects string keys and values, got a number"]


def test_frontmatter_faults_say_where(tmp_path: Path) -> None:
    folder = tmp_path / "no-front"
    folder.mkdir()
    (folder / "SKILL.md").write_text("# Just markdown\n")
    assert problems(folder) == ["error frontmatter: missing: the file must start with a YAML block between '---' lines"]
    unclosed = tmp_path / "unclosed"
    unclosed.mkdir()
    (unclosed / "SKILL.md").write_text("---\nname: unclosed\ndescription: d\n")
    assert problems(unclosed)[0].startswith("error frontmatter: missing")
    bad_yaml = write_skill(tmp_path, "bad-yaml", "name: bad-yaml\ndescription: Use when: anything\n")
    assert problems(bad_yaml) == [
        "error frontmatter: invalid YAML: mapping values are not allowed here (line 3, column 22); "
        "quote values that contain ': '"
    ]
    listy = write_skill(tmp_path, "listy", "- name\n- description\n")
    assert problems(listy) == ["error frontmatter: must be a mapping of keys to values, got a list"]


def test_missing_or_misnamed_skill_md(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert problems(tmp_path / "empty") == ["error None: missing: a skill folder needs a SKILL.md file"]
    (tmp_path / "lower").mkdir()
    (tmp_path / "lower" / "skill.md").write_text("---\nname: lower\ndescription: d\n---\n")
    assert problems(tmp_path / "lower") == [
        "error None: found 'skill.md'; the file must be named SKILL.md (Claude Code does not load it)"
    ]
    assert problems(tmp_path / "absent") == ["error None: no such skill folder"]


def test_skill_md_linking_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\nname: sneaky\ndescription: d\n---\nthe secret\n")
    folder = tmp_path / "sneaky"
    folder.mkdir()
    (folder / "SKILL.md").symlink_to(secret)
    assert problems(folder) == ["error None: SKILL.md is a symlink leading out of the skill folder"]


def test_a_skill_md_path_is_accepted_and_problems_print_file_and_field(tmp_path: Path) -> None:
    folder = write_skill(tmp_path, "named", "name: Named\ndescription: d\n")
    _, found = validate_skill(folder / "SKILL.md")
    assert found[0].format(tmp_path) == ("named/SKILL.md: name: 'Named': must be lowercase")
