"""The packaged default theme, a catalog's templates/ overriding it file by file, and `theme copy`."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

from phenomena_catalog.theme import theme_dir, theme_files

from conftest import REPO, TEMPLATES, VALID_RECORD


def _page(tmp_path: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((tmp_path / "site" / url).read_text(encoding="utf-8"), "html.parser")


def test_the_theme_is_this_repositorys_templates_folder() -> None:
    # In a checkout (editable install) the theme is read from its source; a wheel carries a copy.
    assert theme_dir().resolve() == TEMPLATES.resolve()
    assert {"base.html", "paper.html", "assets/style.css"} <= set(theme_files())


def test_a_catalog_without_templates_builds_with_the_theme(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    code, out, err = run_cli("build")
    assert (code, err) == (0, "") and out.startswith("Built site/")
    assert _page(tmp_path, "papers/power2022grokking.html").h1.get_text(strip=True).startswith("Grokking")
    for name in ("style.css", "site.js", "favicon.svg"):
        assert (tmp_path / "site" / "assets" / name).read_bytes() == (TEMPLATES / "assets" / name).read_bytes()
    assert not (tmp_path / "templates").exists()


def test_a_catalogs_own_template_and_asset_replace_the_themes(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    assert run_cli("theme", "copy", "paper.html", "assets/style.css") == (
        0,
        "wrote templates/paper.html: edit it; the build now uses it instead of the theme's paper.html\n"
        "wrote templates/assets/style.css: edit it; the build now uses it instead of the theme's "
        "assets/style.css\n",
        "",
    )
    paper = tmp_path / "templates" / "paper.html"
    assert paper.read_text(encoding="utf-8") == (TEMPLATES / "paper.html").read_text(encoding="utf-8")
    paper.write_text(paper.read_text(encoding="utf-8").replace("<h1", '<h1 class="mine"', 1), encoding="utf-8")
    (tmp_path / "templates" / "assets" / "style.css").write_text("h1.mine { color: teal; }\n", encoding="utf-8")
    assert run_cli("build")[0] == 0
    assert _page(tmp_path, "papers/power2022grokking.html").find("h1", class_="mine") is not None
    # Every other page still comes from the theme, and so does every other asset.
    assert _page(tmp_path, "index.html").find("h1", class_="mine") is None
    assert (tmp_path / "site" / "assets" / "style.css").read_text(encoding="utf-8") == "h1.mine { color: teal; }\n"
    assert (tmp_path / "site" / "assets" / "site.js").read_bytes() == (TEMPLATES / "assets" / "site.js").read_bytes()


def test_a_mistake_in_an_overriding_template_names_that_file(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "term.html").write_text("{% extends 'base.html' %}\n{% block content %}\n{{ nope }}\n"
                                                      "{% endblock %}\n", encoding="utf-8")
    code, _, err = run_cli("build")
    assert code == 1
    assert err.startswith("templates/term.html:3: 'nope' is undefined (while rendering ")


def test_theme_copy_refuses_to_overwrite_and_names_what_exists(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    assert run_cli("theme", "copy", "base.html")[0] == 0
    assert run_cli("theme", "copy", "base.html") == (
        1, "", "templates/base.html already exists; pass --force to replace it with the theme's\n")
    assert run_cli("theme", "copy", "style.css") == (
        1, "", "style.css: not a file of the default theme; did you mean assets/style.css?\n")
    assert run_cli("theme", "copy", "nothing.html") == (
        1, "", "nothing.html: not a file of the default theme; run 'phenomena-catalog theme list' to see them\n")
    assert run_cli("theme", "copy", "base.html", "--force")[0] == 0


def test_theme_list_names_every_file(run_cli) -> None:
    code, out, _ = run_cli("theme", "list")
    assert code == 0
    assert out.splitlines()[1:] == theme_files()


def test_the_site_says_what_the_settings_say(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD})
    (tmp_path / "catalog.yaml").write_text(
        "title: Enzyme Kinetics Papers\n"
        "search_placeholder: e.g. Michaelis, allostery\n"
        "footer: Kept by the *Kinetics Lab*.\n"
        "data_license: '[CC0 1.0](https://creativecommons.org/publicdomain/zero/1.0/)'\n", encoding="utf-8")
    assert run_cli("build")[0] == 0
    search = _page(tmp_path, "search.html")
    assert search.find(id="search-q")["placeholder"] == "e.g. Michaelis, allostery"
    footer = _page(tmp_path, "index.html").find("footer")
    assert footer.find(class_="footer-text").em.get_text() == "Kinetics Lab"
    assert "The records are available under CC0 1.0" in footer.get_text(" ", strip=True)
    assert footer.find("a", string="CC0 1.0")["href"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert _page(tmp_path, "index.html").title.get_text().endswith("Enzyme Kinetics Papers")


def test_nothing_of_the_bundled_catalog_is_written_into_the_theme() -> None:
    # Whatever names this repository's catalog (its settings, its topics) must come from its files,
    # never from the theme every other catalog is built with.
    settings = yaml.safe_load((REPO / "catalog.yaml").read_text(encoding="utf-8"))
    topics = yaml.safe_load((REPO / "papers" / "_topics.yaml").read_text(encoding="utf-8"))
    words = {settings["title"], *settings["search_placeholder"].removeprefix("e.g. ").split(", ")}
    words |= {topic["title"] for topic in topics} | {"phenomena", "deep learning"}
    for name in theme_files():
        text = (theme_dir() / name).read_text(encoding="utf-8")
        for word in words:
            assert not re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE), (name, word)
