"""Every file under papers/ is a record, a known settings file, or reported: nothing is skipped silently."""

from __future__ import annotations

import re

import pytest

from conftest import VALID_RECORD

CASES = {
    "power2022grokking.YAML": "papers/power2022grokking.YAML: records must end in .yaml (lowercase); "
                              "rename it to power2022grokking.yaml",
    "power2022grokking.yaml.txt": "papers/power2022grokking.yaml.txt: records must end in .yaml, not .yaml.txt; "
                                  "rename it to power2022grokking.yaml (or delete a stale copy)",
    "power2022grokking": "papers/power2022grokking: a file without an extension is not read; if it is a record, "
                         "rename it to power2022grokking.yaml",
    "_power2022grokking.yaml": "papers/_power2022grokking.yaml: names starting with '_' are kept for settings "
                               "files (_keywords.yaml, _sections.yaml, _topics.yaml), so this file is not read; "
                               "if it is a record, rename it to power2022grokking.yaml",
    "2022/power2022grokking.yaml": "papers/2022/power2022grokking.yaml: records in subfolders are not read (the "
                                   "papers folder is flat: the file name is the record's id); move it to "
                                   "papers/power2022grokking.yaml",
    "power2022grokking.yml": "papers/power2022grokking.yml: records must end in .yaml; "
                             "rename it to power2022grokking.yaml",
    "Extra.yml": "papers/Extra.yml: records must end in .yaml; rename it to extra.yaml",
    "Wang 2024 Grokked.YAML": "papers/Wang 2024 Grokked.YAML: records must end in .yaml (lowercase); "
                              "rename it to wang-2024-grokked.yaml",
    "notes.md": "papers/notes.md: only .yaml records and settings files belong in the papers folder; "
                "move this file elsewhere",
}


# ``build`` finds the files as it took stock of its inputs (``cache_store.Inputs.listing``),
# ``validate`` by listing the folder itself: both report the same.
COMMANDS = [("validate",), ("build", "--jobs", "1")]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_file_that_is_not_loaded_is_reported(name: str, command: tuple[str, ...], write_catalog, run_cli) -> None:
    papers = write_catalog({"power2022grokking": VALID_RECORD} if command[0] == "build" else {})
    (papers / name).parent.mkdir(parents=True, exist_ok=True)
    (papers / name).write_text(VALID_RECORD, encoding="utf-8")
    code, out, err = run_cli(*command)
    assert (code, out) == (1, "")
    assert err == CASES[name] + "\n1 problem found.\n"


def test_settings_files_readme_and_hidden_files_are_not_reported(write_catalog, run_cli) -> None:
    papers = write_catalog({"power2022grokking": VALID_RECORD})
    (papers / "_sections.yaml").write_text("Grokking: [grokking]\n", encoding="utf-8")
    (papers / "README.md").write_text("One record per paper.\n", encoding="utf-8")
    (papers / ".DS_Store").write_bytes(b"\x00\x01")
    (papers / ".power2022grokking.yaml.swp").write_bytes(b"\x00")
    code, _, err = run_cli("validate")
    assert (code, err) == (0, "")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_an_editors_backups_locks_and_scratch_copies_are_neither_read_nor_reported(
        command: tuple[str, ...], write_catalog, run_cli) -> None:
    # Emacs keeps x.yaml~ beside every file it saves and a .#x.yaml lock (a dangling link) while
    # a change is unsaved; vim probes with 4913; JetBrains saves through copies. Hidden folders
    # (a .git inside papers/) are not looked into.
    papers = write_catalog({"power2022grokking": VALID_RECORD})
    for name in ("power2022grokking.yaml~", "#power2022grokking.yaml#", "4913",
                 "power2022grokking.yaml___jb_tmp___", ".scratch.yaml", ".git/config", ".git/x/y.yaml"):
        (papers / name).parent.mkdir(parents=True, exist_ok=True)
        (papers / name).write_text("title: [unclosed\n", encoding="utf-8")
    (papers / ".#power2022grokking.yaml").symlink_to("someone@host.1234")
    code, out, err = run_cli(*command)
    assert (code, err) == (0, "")
    if command[0] == "validate":
        assert re.match(r"1 papers? and \d+ topics? (is|are) valid", out), out
    else:
        assert "1 paper" in out


def test_the_build_refuses_a_catalog_with_a_stray_record(write_catalog, run_cli, tmp_path) -> None:
    papers = write_catalog({"power2022grokking": VALID_RECORD})
    (papers / "frankle2019lottery.YAML").write_text(VALID_RECORD, encoding="utf-8")
    code, _, err = run_cli("build", "--out", str(tmp_path / "site"))
    assert code == 1
    assert "papers/frankle2019lottery.YAML: records must end in .yaml (lowercase)" in err


@pytest.mark.parametrize("name", ["Extra.yml", "Wang 2024 Grokked.YAML"])
def test_the_suggested_name_is_one_that_validates(name: str, write_catalog, run_cli) -> None:
    papers = write_catalog({})
    (papers / name).write_text(VALID_RECORD, encoding="utf-8")
    _, _, err = run_cli("validate")
    suggested = err.split("rename it to ")[1].split("\n")[0]
    (papers / name).rename(papers / suggested)
    code, _, err = run_cli("validate")
    assert (code, err) == (0, "")
