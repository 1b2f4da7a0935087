"""The repository's contributor tooling: the GitHub workflow, the pre-commit hooks, the docs."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import yaml

from phenomena_catalog.cli import build_parser, main
from phenomena_catalog.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "catalog.yml"
COMMAND_NAMES = {command.NAME for command in COMMANDS}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def workflow() -> dict[Any, Any]:
    data = load_yaml(WORKFLOW)
    # YAML 1.1 reads the key `on` as true; GitHub reads it as "on".
    data["on"] = data.pop(True)
    return data


def lint_workflow(path: Path) -> subprocess.CompletedProcess[str]:
    # check-jsonschema ships the GitHub workflow schema, so this needs no network.
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_workflow_passes_the_github_workflow_schema() -> None:
    result = lint_workflow(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "run-on:", 1), encoding="utf-8"
    )
    result = lint_workflow(broken)
    assert result.returncode == 1
    assert "Schema validation errors were encountered" in result.stdout + result.stderr


def test_every_action_is_pinned_to_a_major_version() -> None:
    uses = [
        step["uses"]
        for job in workflow()["jobs"].values()
        for step in job.get("steps", [])
        if "uses" in step
    ]
    assert uses
    for action in uses:
        assert re.fullmatch(r"actions/[a-z-]+@v\d+", action), action


def test_the_tests_run_where_scripts_test_can_install_a_browser() -> None:
    # CI=true makes a missing chromium a failure; scripts/test installs it with apt-get only as root on
    # Debian, so the check job runs in a Debian container (root by default).
    check = workflow()["jobs"]["check"]
    assert "bookworm" in check["container"] or "trixie" in check["container"]


def test_pull_requests_validate_build_keep_the_site_and_test() -> None:
    data = workflow()
    assert "pull_request" in data["on"] and data["on"]["push"]["branches"] == ["main"]
    check = data["jobs"]["check"]
    steps = check["steps"]
    runs = [step.get("run", "") for step in steps]
    order = [
        runs.index("python -m pip install -e '.[test]'"),
        runs.index("phenomena-catalog validate"),
        runs.index("phenomena-catalog build --out site"),
        next(
            i
            for i, s in enumerate(steps)
            if s.get("uses", "").startswith("actions/upload-artifact@")
        ),
        runs.index("bash scripts/test"),
    ]
    assert order == sorted(order)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "site" and upload["with"]["path"] == "site/"
    assert data["permissions"] == {"contents": "read"}  # pull requests get a read-only token


def test_the_commands_the_workflow_runs_exist() -> None:
    for run in (s.get("run", "") for j in workflow()["jobs"].values() for s in j.get("steps", [])):
        for match in re.finditer(r"phenomena-catalog (\w+)", run):
            assert match.group(1) in COMMAND_NAMES
    assert (ROOT / "scripts" / "test").exists()


def test_main_deploys_the_checked_site_to_pages() -> None:
    deploy = workflow()["jobs"]["deploy"]
    assert deploy["needs"] == "check"
    assert deploy["if"] == "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"
    assert deploy["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert deploy["environment"]["name"] == "github-pages"
    uses = [s["uses"].split("@")[0] for s in deploy["steps"]]
    assert uses == [
        "actions/download-artifact",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ]
    assert deploy["steps"][0]["with"]["name"] == "site"
    assert deploy["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"


def test_pre_commit_files_are_valid_and_run_the_real_command() -> None:
    for args in (
        ["validate-config", ".pre-commit-config.yaml"],
        ["validate-manifest", ".pre-commit-hooks.yaml"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "pre_commit", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    hooks = {
        h["id"]: h for repo in load_yaml(ROOT / ".pre-commit-config.yaml")["repos"] for h in repo["hooks"]
    }
    assert set(hooks) == {"validate-records", "ruff"}
    # ruff runs as installed by the test extra: no hook environment to download.
    assert hooks["ruff"]["entry"] == "ruff check --force-exclude" and hooks["ruff"]["language"] == "system"
    manifest = load_yaml(ROOT / ".pre-commit-hooks.yaml")
    for hook in (hooks["validate-records"], *manifest):
        assert hook["entry"] == "phenomena-catalog validate"
        assert hook["pass_filenames"] is False
        assert re.search(hook["files"], "papers/power2022grokking.yaml")
        assert not re.search(hook["files"], "src/phenomena_catalog/cli.py")
    # The hook's program is this package's console script, and 'validate' is one of its commands.
    (script,) = entry_points(group="console_scripts", name="phenomena-catalog")
    assert script.value == "phenomena_catalog.cli:console"
    assert "validate" in COMMAND_NAMES


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_hook_blocks_a_broken_record(tmp_path: Path) -> None:
    repo = tmp_path / "catalog"
    (repo / "papers").mkdir(parents=True)
    shutil.copy(ROOT / ".pre-commit-config.yaml", repo)
    # The fixture catalog's records stay put; the bundled catalog's change with every import.
    fixture_papers = ROOT / "tests" / "fixtures" / "catalog" / "papers"
    shutil.copy(fixture_papers / "_topics.yaml", repo / "papers")
    shutil.copy(fixture_papers / "power2022grokking.yaml", repo / "papers")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }

    def run_hooks() -> subprocess.CompletedProcess[str]:
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files"],
            cwd=repo,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    passed = run_hooks()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "validate paper records" in passed.stdout and "Passed" in passed.stdout

    record = repo / "papers" / "power2022grokking.yaml"
    record.write_text(
        record.read_text(encoding="utf-8").replace("year: 2022", "year: twenty"), encoding="utf-8"
    )
    failed = run_hooks()
    assert failed.returncode == 1
    assert (
        "papers/power2022grokking.yaml:3: year: expected a whole number, got the text 'twenty'"
        in failed.stdout
    )


CONTRIBUTING = ROOT / "CONTRIBUTING.md"


def test_contributing_example_record_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = CONTRIBUTING.read_text(encoding="utf-8")
    name = re.search(r"`papers/([a-z0-9-]+\.yaml)`:\n\n```yaml\n", text)
    assert name is not None
    example = text[name.end() : text.index("```", name.end())]
    papers = tmp_path / "papers"
    papers.mkdir()
    shutil.copy(ROOT / "papers" / "_topics.yaml", papers)
    (papers / name.group(1)).write_text(example, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("1 paper and ")


@pytest.mark.parametrize("doc", ["CONTRIBUTING.md", ".github/PULL_REQUEST_TEMPLATE.md"])
def test_docs_name_only_real_commands(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    mentioned = set(re.findall(r"phenomena-catalog (\w+)", text))
    assert "validate" in mentioned
    assert mentioned <= COMMAND_NAMES
    # Every command line shown as code must also parse: its options are real too.
    parser = build_parser()
    for line in re.findall(r"^ {4}phenomena-catalog (.+)$", text, re.MULTILINE):
        assert parser.parse_args(shlex.split(line)).command in COMMAND_NAMES, line


def test_contributing_covers_the_contribution_commands() -> None:
    text = CONTRIBUTING.read_text(encoding="utf-8")
    for command in (
        "phenomena-catalog add 2405.20233 --topic grokking",
        "phenomena-catalog new",
        "phenomena-catalog validate",
        "python3 -m pip install pre-commit && pre-commit install",
    ):
        assert f"    {command}\n" in text


def test_issue_template_has_github_front_matter() -> None:
    text = (ROOT / ".github" / "ISSUE_TEMPLATE" / "suggest-paper.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert set(front) == {"name", "about", "title", "labels"} and front["name"] == "Suggest a paper"


ENRICH_WORKFLOW = ROOT / ".github" / "workflows" / "enrich.yml"


def enrich_workflow() -> dict[Any, Any]:
    data = load_yaml(ENRICH_WORKFLOW)
    data["on"] = data.pop(True)
    return data


def test_enrich_workflow_passes_the_github_workflow_schema() -> None:
    result = lint_workflow(ENRICH_WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_enrich_workflow_runs_weekly_and_on_demand_only() -> None:
    data = enrich_workflow()
    assert set(data["on"]) == {"schedule", "workflow_dispatch"}
    (schedule,) = data["on"]["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert minute.isdigit() and hour.isdigit() and (day, month) == ("*", "*") and weekday.isdigit()  # weekly
    assert data["concurrency"] == {"group": "enrich", "cancel-in-progress": False}


def test_enrich_workflow_has_minimal_permissions() -> None:
    data = enrich_workflow()
    assert data["permissions"] == {}  # nothing by default
    (job,) = data["jobs"].values()
    # Push the pull-request branch and open the pull request; nothing else.
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    # The OpenAlex key reaches only the step that needs it.
    steps_with_secrets = [s["name"] for s in job["steps"] if "secrets." in str(s)]
    assert steps_with_secrets == ["Fill missing metadata"]


def test_enrich_workflow_pins_third_party_actions_to_a_commit() -> None:
    (job,) = enrich_workflow()["jobs"].values()
    for action in (step["uses"] for step in job["steps"] if "uses" in step):
        name, ref = action.split("@")
        if name.startswith("actions/"):
            assert re.fullmatch(r"v\d+", ref), action
        else:
            assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{action}: pin a third-party action to a full commit"
    text = ENRICH_WORKFLOW.read_text(encoding="utf-8")
    assert re.search(r"peter-evans/create-pull-request@[0-9a-f]{40} # v\d+\.\d+\.\d+\n", text)


def test_enrich_workflow_enriches_validates_checks_links_then_opens_a_pull_request() -> None:
    (job,) = enrich_workflow()["jobs"].values()
    steps = job["steps"]
    runs = [step.get("run", "") for step in steps]
    parser = build_parser()
    commands = []
    for run in runs:
        for line in re.findall(r"^phenomena-catalog (.+)$", run, re.MULTILINE):
            # The command's own words: up to a redirection (2>&1, >) or a pipe.
            words = re.split(r"\s+(?:\d?>|\|)", line)[0]
            commands.append(parser.parse_args(shlex.split(words)).command)
    assert commands == ["enrich", "validate", "check-links"]
    # A broken link must not stop the pull request: the link check may fail, a later step says so.
    links = next(s for s in steps if "check-links" in s.get("run", ""))
    assert links["continue-on-error"] is True
    assert steps[-1]["if"] == f"steps.{links['id']}.outcome == 'failure'"
    create = next(s for s in steps if s.get("uses", "").startswith("peter-evans/create-pull-request@"))
    assert steps.index(create) == len(steps) - 2
    # Only records are committed; the reports go into the description.
    assert create["with"]["add-paths"] == "papers/*.yaml"
    assert create["with"]["body-path"] == "pull-request.md" and "> pull-request.md" in runs[steps.index(create) - 1]
    # Both reports keep the commands' messages (stderr too) for the description.
    reports = [run for run in runs if "tee" in run]
    assert len(reports) == 2 and all(re.search(r" 2>&1 \| tee \S+-report\.txt$", run) for run in reports)
    # Pipelines fail when their first command does (bash -o pipefail, GitHub's "shell: bash").
    assert enrich_workflow()["defaults"] == {"run": {"shell": "bash"}}
