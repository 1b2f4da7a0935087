"""The same synthetic catalog as a Hugo site, for comparing build times with Hugo.

``write_hugo_site(papers_dir, site_dir)`` reads the records ``build_benchmark.generate`` wrote
(plain PyYAML: the benchmark's own input, not the catalog's loader) and writes a Hugo project
whose pages match phenomena-catalog's: a page per paper (authors, venue, year, links, the Markdown
digest, topics, keywords), a page per author, year, venue, keyword and topic listing its papers
by year (in pages of 500), an index of each taxonomy, and the list of all papers in pages of 500. RSS, the sitemap
and robots.txt are turned off. The layouts are written for speed as a Hugo user would: links from
front matter rather than ``.GetTerms``, and each list entry a ``partialCached``.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

CONFIG = """\
baseURL = "/"
title = "Benchmark catalog"
disableKinds = ["RSS", "sitemap", "robotsTXT"]
relativeURLs = true
uglyURLs = true
paginate = 500

[taxonomies]
author = "authors"
year = "years"
venue = "venues"
keyword = "keywords"
topic = "topics"
"""

LAYOUTS = {
    "_default/baseof.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title>
<link rel="stylesheet" href="{{ "assets/style.css" | relURL }}"></head>
<body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>
<nav><ul>{{ range $name, $taxonomy := site.Taxonomies }}<li><a href="{{ (print "/" $name "/") | relURL }}">{{ $name }}</a></li>{{ end }}</ul></nav></header>
<main>{{ block "main" . }}{{ end }}</main><footer>{{ site.Title }}</footer></body></html>
""",
    "partials/item.html": """<li class="paper-item"><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<div class="paper-meta">{{ with .Params.authors }}<span class="authors">{{ delimit (first 6 .) ", " }}{{ if gt (len .) 6 }}, et al.{{ end }}</span>{{ end }}
<span class="venue-year">{{ with .Params.venue }}{{ . }}{{ else }}{{ .Params.year }}{{ end }}</span></div>
<ul class="tags">{{ range .Params.topics }}<li><a href="{{ (print "/topics/" (urlize .) ".html") | relURL }}">{{ . }}</a></li>{{ end }}</ul></li>
""",
    "partials/years.html": """{{ range .GroupByParam "year" "desc" }}<section><h2>{{ .Key }} <span>{{ len .Pages }}</span></h2>
<ul class="paper-list">{{ range .Pages }}{{ partialCached "item.html" . .RelPermalink }}{{ end }}</ul></section>{{ end }}
""",
    "_default/single.html": """{{ define "main" }}<article class="paper">
<nav>{{ range .Params.topics }}<a href="{{ (print "/topics/" (urlize .) ".html") | relURL }}">{{ . }}</a> {{ end }}</nav>
<h1>{{ .Title }}</h1>
<p class="authors">{{ range $i, $a := .Params.authors }}{{ if $i }}, {{ end }}<a href="{{ (print "/authors/" (urlize $a) ".html") | relURL }}">{{ $a }}</a>{{ end }}</p>
<p class="venue-year">{{ with .Params.venue }}<a href="{{ (print "/venues/" (urlize .) ".html") | relURL }}">{{ . }}</a> · {{ end }}<a href="{{ (print "/years/" .Params.year ".html") | relURL }}">{{ .Params.year }}</a></p>
<ul class="links">{{ range $kind, $url := .Params.links }}<li><a class="button" href="{{ $url }}">{{ $kind }}</a></li>{{ end }}</ul>
<section class="digest"><h2>Digest</h2>{{ .Content }}</section>
<dl><dt>Topics</dt><dd>{{ range .Params.topics }}<a href="{{ (print "/topics/" (urlize .) ".html") | relURL }}">{{ . }}</a> {{ end }}</dd>
<dt>Keywords</dt><dd>{{ range .Params.keywords }}<a href="{{ (print "/keywords/" (urlize .) ".html") | relURL }}">{{ . }}</a> {{ end }}</dd>
<dt>Added</dt><dd>{{ .Params.added }}</dd></dl></article>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }} <span>{{ len .Pages }}</span></h1>
{{ $pager := .Paginate .Pages.ByTitle }}{{ partial "years.html" $pager.Pages }}
{{ if $pager.HasNext }}<a href="{{ $pager.Next.URL }}">Older</a>{{ end }}{{ end }}
""",
    "_default/term.html": """{{ define "main" }}<h1>{{ .Title }} <span>{{ len .Pages }} papers</span></h1>
{{ $pager := .Paginate .Pages }}{{ partial "years.html" $pager.Pages }}
{{ if $pager.HasNext }}<a href="{{ $pager.Next.URL }}">Older</a>{{ end }}{{ end }}
""",
    "_default/taxonomy.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul class="term-list">{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> <span>{{ .Count }}</span></li>{{ end }}</ul>{{ end }}
""",
    "index.html": """{{ define "main" }}<h1>{{ site.Title }}</h1>
<ul class="paper-list">{{ range first 12 site.RegularPages.ByDate.Reverse }}{{ partialCached "item.html" . .RelPermalink }}{{ end }}</ul>{{ end }}
""",
}


def write_hugo_site(papers_dir: Path, site_dir: Path) -> None:
    """Write the Hugo project for the records in ``papers_dir`` into ``site_dir``."""
    (site_dir / "content" / "papers").mkdir(parents=True)
    (site_dir / "config.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in LAYOUTS.items():
        (site_dir / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / "layouts" / name).write_text(text, encoding="utf-8")
    (site_dir / "static" / "assets").mkdir(parents=True)
    (site_dir / "static" / "assets" / "style.css").write_text("body { margin: 0 }\n", encoding="utf-8")
    for record in sorted(papers_dir.glob("paper*.yaml")):
        data = yaml.load(record.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        front = {
            "title": data["title"], "date": str(data["added"]), "authors": data["authors"],
            "years": [str(data["year"])], "year": data["year"], "topics": data["topics"],
            "keywords": data["keywords"], "links": data["links"], "added": str(data["added"]),
        }
        if data.get("venue"):
            front["venues"] = [data["venue"]]
            front["venue"] = data["venue"]
        text = "---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n" + data.get("digest", "")
        (site_dir / "content" / "papers" / f"{record.stem}.md").write_text(text, encoding="utf-8")
