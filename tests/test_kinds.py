"""Records that are not papers (blog posts, talks, reading lists) and curators' notes, as readers see them."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import TEMPLATES, VALID_RECORD
from site_helpers import page

BLOG_POST = """\
title: Are Deep Neural Networks Dramatically Overfitted?
kind: blog-post
year: 2019
topics: [generalization]
links:
  blog: https://lilianweng.github.io/posts/2019-03-14-overfit/
note: Good summary from *2019*.
added: 2026-11-23
"""


def test_a_blog_post_is_badged_filterable_and_keeps_its_note(write_catalog, run_cli, tmp_path: Path) -> None:
    write_catalog({"power2022grokking": VALID_RECORD, "weng2019are": BLOG_POST})
    code, _, err = run_cli("build", "--templates", str(TEMPLATES))
    assert code == 0, err
    site = tmp_path / "site"
    post = page(site, "papers/weng2019are.html")
    assert post.select_one(".badge-kind").get_text(strip=True) == "Blog post"
    note = post.select_one(".note")
    assert note.find("h2").get_text(strip=True) == "Curator's note"
    assert note.find("em").get_text() == "2019"  # Markdown, like a digest
    assert post.select_one(".digest") is None
    paper = page(site, "papers/power2022grokking.html")
    assert paper.select_one(".badge-kind") is None and paper.select_one(".note") is None

    items = {li.select_one(".paper-title").get_text(strip=True): li
             for li in page(site, "topics/generalization.html").select("li.paper-item")}
    post_item = items["Are Deep Neural Networks Dramatically Overfitted?"]
    assert post_item["data-kind"] == "blog-post"
    assert post_item.select_one(".badge-kind").get_text() == "Blog post"

    data = json.loads((site / "papers.json").read_text(encoding="utf-8"))
    kinds = {p["id"]: (p["kind"], p["note"]) for p in data["papers"]}
    assert kinds == {"weng2019are": ("blog-post", "Good summary from *2019*."), "power2022grokking": ("paper", None)}


def test_an_unknown_kind_is_reported_at_its_line(write_catalog, run_cli) -> None:
    write_catalog({"weng2019are": BLOG_POST.replace("kind: blog-post", "kind: blog")})
    code, _, err = run_cli("validate")
    assert code == 1
    assert "papers/weng2019are.yaml:2: kind:" in err
    assert "blog-post" in err  # the message names the kinds to choose from
