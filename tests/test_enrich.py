"""``enrich``: missing metadata from recorded arXiv and OpenAlex answers (never the network)."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.error
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from phenomena_catalog import webapi
from phenomena_catalog.commands import enrich
from phenomena_catalog.errors import UserError
from phenomena_catalog.importers import arxiv, openalex
from phenomena_catalog.record_text import set_fields

FIXTURES = Path(__file__).parent / "fixtures" / "enrich"

TOPICS = """\
- id: double-descent
  title: Double descent
- id: grokking
  title: Grokking
- id: deep-learning
  title: Deep learning
"""

NAKKIRAN = """\
# yaml-language-server: $schema=../schema/paper.schema.json
title: "Deep Double Descent: Where Bigger Models and More Data Hurt"
authors: [Preetum Nakkiran, Gal Kaplun, Yamini Bansal, Tristan Yang, Boaz Barak, Ilya Sutskever]
year: 2019
# Published at ICLR 2020; checked by hand.
venue: ICLR 2020
topics: [double-descent]  # the classic
links:
  paper: https://arxiv.org/abs/1912.02292
arxiv: "1912.02292"
added: 2026-11-23
"""

BELKIN = """\
title: Reconciling modern machine learning practice and the bias-variance trade-off
year: 2018
topics: [double-descent]
links:
  paper: https://arxiv.org/abs/1812.11118
digest: |
  The "double descent" curve.
added: 2026-11-23
"""

LECUN = """\
title: Deep learning
year: 2015
topics: [deep-learning]
added: 2026-11-23
"""

POWER = """\
title: "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
authors: [Alethea Power, Yuri Burda, Harri Edwards, Igor Babuschkin, Vedant Misra]
year: 2022
month: 1
venue: ICLR 2022 Workshop
topics: [grokking]
arxiv: "2201.02177"
added: 2026-11-23
"""


class RecordedApis:
    """Answers arXiv and OpenAlex queries from tests/fixtures/enrich/, remembering every URL."""

    def __init__(self, arxiv_answer: str = "arxiv_batch.xml", error: Exception | None = None) -> None:
        self.arxiv_answer, self.error = arxiv_answer, error
        self.arxiv_urls: list[str] = []
        self.openalex_urls: list[str] = []
        self.sleeps: list[float] = []

    def arxiv(self, url: str, timeout: float) -> bytes:
        self.arxiv_urls.append(url)
        if self.error is not None:
            raise self.error
        return (FIXTURES / self.arxiv_answer).read_bytes()

    def openalex(self, url: str, timeout: float) -> bytes:
        self.openalex_urls.append(url)
        if self.error is not None:
            raise self.error
        found = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["filter"][0]
        if found.startswith("doi:"):
            return (FIXTURES / "openalex_doi.json").read_bytes()
        if found == "title.search:Deep learning":
            return (FIXTURES / "openalex_title_deep_learning.json").read_bytes()
        return (FIXTURES / "openalex_empty.json").read_bytes()


@pytest.fixture
def apis(monkeypatch: pytest.MonkeyPatch) -> RecordedApis:
    recorded = RecordedApis()
    monkeypatch.setattr(enrich, "ARXIV_TRANSPORT", recorded.arxiv)
    monkeypatch.setattr(enrich, "OPENALEX_TRANSPORT", recorded.openalex)
    # A clock that never moves: every request after the first waits the whole interval, recorded.
    monkeypatch.setattr(enrich, "ARXIV_THROTTLE", webapi.Throttle(arxiv.REQUEST_INTERVAL, recorded.sleeps.append,
                                                                   lambda: 0.0))
    monkeypatch.setattr(enrich, "OPENALEX_THROTTLE", webapi.Throttle(openalex.REQUEST_INTERVAL,
                                                                     recorded.sleeps.append, lambda: 0.0))
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    monkeypatch.delenv("OPENALEX_MAILTO", raising=False)
    return recorded


@pytest.fixture
def catalog(write_catalog):
    return write_catalog({"nakkiran2019deep": NAKKIRAN, "belkin2018reconciling": BELKIN,
                          "lecun2015deep": LECUN, "power2022grokking": POWER}, topics=TOPICS)


def read(papers: Path, name: str) -> str:
    return (papers / f"{name}.yaml").read_text(encoding="utf-8")


def test_enrich_fills_missing_fields_from_both_sources(catalog, apis, run_cli):
    code, out, err = run_cli("enrich", "--mailto", "maintainers@example.org")
    assert (code, err) == (0, "")
    assert out == (
        "papers/belkin2018reconciling.yaml: authors, month, doi, arxiv (arXiv); venue (OpenAlex)\n"
        "papers/lecun2015deep.yaml: authors, month, venue, doi (OpenAlex)\n"
        "papers/nakkiran2019deep.yaml: month (arXiv)\n"
        "enriched 3 of 4 records looked up (10 fields).\n"
    )
    belkin = yaml.safe_load(read(catalog, "belkin2018reconciling"))
    assert belkin["authors"] == ["Mikhail Belkin", "Daniel Hsu", "Siyuan Ma", "Soumik Mandal"]
    # The month of the first (arXiv) version: the journal's date is a year later.
    assert (belkin["year"], belkin["month"]) == (2018, 12)
    assert belkin["doi"] == "10.1073/pnas.1903070116"
    # OpenAlex's venue name wins over arXiv's journal reference ("... 116 (32), 15849-15854 (2019)").
    assert belkin["venue"] == "Proceedings of the National Academy of Sciences"
    assert belkin["arxiv"] == "1812.11118"
    lecun = yaml.safe_load(read(catalog, "lecun2015deep"))
    assert lecun["authors"] == ["Yann LeCun", "Yoshua Bengio", "Geoffrey E. Hinton"]
    assert (lecun["month"], lecun["venue"], lecun["doi"]) == (5, "Nature", "10.1038/nature14539")
    assert run_cli("validate")[0] == 0


def test_enrich_asks_in_batches_politely(catalog, apis, run_cli):
    run_cli("enrich", "--mailto", "maintainers@example.org")
    # One arXiv request for every id, in the records' order.
    assert apis.arxiv_urls == [
        "https://export.arxiv.org/api/query?id_list=1812.11118%2C1912.02292%2C2201.02177&max_results=3"]
    # OpenAlex: one DOI batch, then an exact-title search for each record that has no DOI yet.
    assert [urllib.parse.parse_qs(urllib.parse.urlsplit(u).query)["filter"][0] for u in apis.openalex_urls] == [
        "doi:10.1073/pnas.1903070116",
        "title.search:Deep learning",
        "title.search:Deep Double Descent Where Bigger Models and More Data Hurt",
        "title.search:Grokking Generalization Beyond Overfitting on Small Algorithmic Datasets",
    ]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(apis.openalex_urls[0]).query)
    assert query["mailto"] == ["maintainers@example.org"] and "api_key" not in query
    assert query["select"] == [openalex.SELECT]
    # Requests are paced: OpenAlex's four are 0.2 s apart (the fake clock does not move).
    assert apis.sleeps == [0.2, 0.2, 0.2]


def test_arxiv_ids_are_asked_fifty_at_a_time_three_seconds_apart(write_catalog, apis, run_cli, monkeypatch):
    monkeypatch.setattr(arxiv, "BATCH_SIZE", 2)
    write_catalog({"nakkiran2019deep": NAKKIRAN, "belkin2018reconciling": BELKIN, "power2022grokking":
                   POWER.replace("month: 1\n", "")}, topics=TOPICS)
    assert run_cli("enrich", "--source", "arxiv")[0] == 0
    assert [urllib.parse.parse_qs(urllib.parse.urlsplit(u).query)["id_list"] for u in apis.arxiv_urls] == [
        ["1812.11118,1912.02292"], ["2201.02177"]]
    assert apis.sleeps == [3.0]
    assert apis.openalex_urls == []


def test_the_api_key_comes_from_the_environment(catalog, apis, run_cli, monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", "k-123")
    monkeypatch.setenv("OPENALEX_MAILTO", "env@example.org")
    run_cli("enrich", "lecun2015deep", "--source", "openalex")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(apis.openalex_urls[0]).query)
    assert query["api_key"] == ["k-123"] and query["mailto"] == ["env@example.org"]


def test_edits_keep_comments_order_and_quoting(catalog, apis, run_cli):
    before = read(catalog, "nakkiran2019deep")
    run_cli("enrich", "papers/nakkiran2019deep.yaml")
    assert read(catalog, "nakkiran2019deep") == before.replace("year: 2019\n", "year: 2019\nmonth: 12\n")


def test_dry_run_prints_a_diff_per_record_and_writes_nothing(catalog, apis, run_cli):
    before = {p.name: p.read_text(encoding="utf-8") for p in catalog.iterdir()}
    code, out, err = run_cli("enrich", "--dry-run", "nakkiran2019deep", "lecun2015deep")
    assert (code, err) == (0, "")
    assert {p.name: p.read_text(encoding="utf-8") for p in catalog.iterdir()} == before
    assert out == (
        "--- a/papers/lecun2015deep.yaml\n"
        "+++ b/papers/lecun2015deep.yaml\n"
        "@@ -1,4 +1,11 @@\n"
        " title: Deep learning\n"
        "+authors:\n"
        "+- Yann LeCun\n"
        "+- Yoshua Bengio\n"
        "+- Geoffrey E. Hinton\n"
        " year: 2015\n"
        "+month: 5\n"
        "+venue: Nature\n"
        " topics: [deep-learning]\n"
        "+doi: 10.1038/nature14539\n"
        " added: 2026-11-23\n"
        "--- a/papers/nakkiran2019deep.yaml\n"
        "+++ b/papers/nakkiran2019deep.yaml\n"
        "@@ -2,6 +2,7 @@\n"
        ' title: "Deep Double Descent: Where Bigger Models and More Data Hurt"\n'
        " authors: [Preetum Nakkiran, Gal Kaplun, Yamini Bansal, Tristan Yang, Boaz Barak, Ilya Sutskever]\n"
        " year: 2019\n"
        "+month: 12\n"
        " # Published at ICLR 2020; checked by hand.\n"
        " venue: ICLR 2020\n"
        " topics: [double-descent]  # the classic\n"
        "would enrich 2 of 2 records looked up (5 fields); nothing was written.\n"
    )


def test_a_field_a_person_set_is_kept_unless_forced(write_catalog, apis, run_cli):
    papers = write_catalog({"lecun2015deep": LECUN.replace("year: 2015\n", "year: 2015\nvenue: Nature 521\n"
                                                           "authors: [Y. LeCun]\n")}, topics=TOPICS)
    run_cli("enrich", "--source", "openalex")
    kept = yaml.safe_load(read(papers, "lecun2015deep"))
    assert (kept["venue"], kept["authors"], kept["doi"]) == ("Nature 521", ["Y. LeCun"], "10.1038/nature14539")
    code, out, _ = run_cli("enrich", "--source", "openalex", "--force")
    assert code == 0 and out.startswith("papers/lecun2015deep.yaml: authors, venue (OpenAlex)\n")
    forced = yaml.safe_load(read(papers, "lecun2015deep"))
    assert (forced["venue"], forced["authors"][0]) == ("Nature", "Yann LeCun")


def test_select_by_missing_field_and_limit(catalog, apis, run_cli):
    code, out, _ = run_cli("enrich", "--missing", "month", "--source", "arxiv")
    assert code == 0
    assert out.endswith("enriched 2 of 3 records looked up (6 fields).\n")  # not power2022grokking
    code, out, _ = run_cli("enrich", "--missing", "doi", "--limit", "1", "--dry-run")
    assert out.endswith("would enrich 1 of 1 record looked up (4 fields); nothing was written.\n")
    assert "lecun2015deep" in out


def test_nothing_to_do(write_catalog, apis, run_cli):
    write_catalog({"power2022grokking": POWER.replace("added:", 'doi: "10.1000/x"\nadded:')}, topics=TOPICS)
    assert run_cli("enrich") == (0, "enriched 0 of 0 records looked up (0 fields).\n", "")
    assert apis.arxiv_urls == apis.openalex_urls == []


def test_only_kinds_the_sources_know_are_looked_up(write_catalog, apis, run_cli):
    write_catalog({"weng2019overfitted": "title: Are Deep Neural Networks Dramatically Overfitted?\n"
                   "kind: blog-post\nyear: 2019\ntopics: [deep-learning]\nadded: 2026-11-23\n"}, topics=TOPICS)
    assert run_cli("enrich", "--force") == (0, "enriched 0 of 0 records looked up (0 fields).\n", "")
    assert apis.arxiv_urls == apis.openalex_urls == []


def test_a_value_another_record_has_is_refused(write_catalog, apis, run_cli):
    papers = write_catalog({"lecun2015deep": LECUN,
                            "lecun2015nature": LECUN.replace("year: 2015", 'year: 2015\ndoi: "10.1038/nature14539"')
                            .replace("title: Deep learning", "title: Deep learning (Nature review)")},
                           topics=TOPICS)
    code, out, err = run_cli("enrich", "lecun2015deep", "--source", "openalex")
    assert code == 0
    assert err == ("papers/lecun2015deep.yaml: doi: OpenAlex says 10.1038/nature14539, which "
                   "papers/lecun2015nature.yaml already has; not filled (are they the same paper?)\n")
    assert "doi" not in yaml.safe_load(read(papers, "lecun2015deep"))
    assert out.endswith("enriched 1 of 1 record looked up (3 fields); 1 value refused (see above).\n")


@pytest.mark.parametrize(("error", "message"), [
    (urllib.error.URLError(OSError(101, "Network is unreachable")),
     "cannot reach the arXiv API (export.arxiv.org): [Errno 101] Network is unreachable; check your internet "
     "connection; nothing was written"),
    (TimeoutError(), "the arXiv API (export.arxiv.org) did not answer within 20 s; try again later; "
     "nothing was written"),
    (urllib.error.HTTPError("u", 503, "Service Unavailable", {}, None),  # type: ignore[arg-type]
     "the arXiv API answered HTTP 503 (Service Unavailable); arXiv is busy; wait a minute and try again; "
     "nothing was written"),
])
def test_offline_says_so_in_one_line_and_writes_nothing(catalog, apis, run_cli, error, message):
    apis.error = error
    before = {p.name: p.read_text(encoding="utf-8") for p in catalog.iterdir()}
    assert run_cli("enrich") == (1, "", message + "\n")
    assert {p.name: p.read_text(encoding="utf-8") for p in catalog.iterdir()} == before


def test_openalex_throttling_suggests_a_key(catalog, apis, run_cli):
    apis.error = urllib.error.HTTPError("u", 429, "Too Many Requests", {}, None)  # type: ignore[arg-type]
    code, out, err = run_cli("enrich", "--source", "openalex")
    assert (code, out) == (1, "")
    assert err == ("the OpenAlex API answered HTTP 429 (Too Many Requests); OpenAlex is busy; wait and try "
                   "again, or set OPENALEX_API_KEY to a free key for a larger daily budget; nothing was written\n")


def test_openalex_running_out_of_budget_half_way_keeps_what_was_found(catalog, apis, run_cli, monkeypatch):
    answered = apis.openalex

    def budget_of_two(url: str, timeout: float) -> bytes:
        if len(apis.openalex_urls) == 2:
            apis.openalex_urls.append(url)
            raise urllib.error.HTTPError(url, 429, "Too Many Requests", {}, None)  # type: ignore[arg-type]
        return answered(url, timeout)

    monkeypatch.setattr(enrich, "OPENALEX_TRANSPORT", budget_of_two)
    code, out, err = run_cli("enrich")
    assert code == 0
    assert err == ("OpenAlex stopped answering after 2 requests (the OpenAlex API answered HTTP 429 (Too Many "
                   "Requests); OpenAlex is busy; wait and try again, or set OPENALEX_API_KEY to a free key for a "
                   "larger daily budget); the records not asked yet keep their gaps until the next run\n")
    # The DOI batch and the first title search were answered; arXiv's answers are all used.
    assert out.endswith("enriched 3 of 4 records looked up (10 fields).\n")


def test_openalex_error_answers_are_one_line():
    with pytest.raises(UserError) as caught:
        openalex.parse_works((FIXTURES / "openalex_error.json").read_bytes())
    assert caught.value.report().startswith("the OpenAlex API refused the query: filter: title.searc is not")
    with pytest.raises(UserError) as caught:
        openalex.parse_works(b"<html>busy</html>")
    assert caught.value.report() == ("the OpenAlex API sent something that is not JSON; try again later; "
                                     "nothing was written")


def test_user_mistakes(catalog, apis, run_cli):
    assert run_cli("enrich", "nosuch")[2] == (
        "nosuch: no such record; give a record file (papers/ID.yaml) or an id\n")
    assert run_cli("enrich", "--limit", "0")[2] == "--limit: expected a number of records of at least 1, got 0\n"
    (catalog / "broken2020x.yaml").write_text("title: x\nyear: twenty\ntopics: [grokking]\nadded: 2026-11-23\n",
                                              encoding="utf-8")
    code, _, err = run_cli("enrich", "broken2020x")
    assert code == 1 and err.startswith("papers/broken2020x.yaml:2: year: expected a whole number")
    assert apis.arxiv_urls == []


def test_enrich_help_has_an_example(run_cli, capsys):
    with pytest.raises(SystemExit):
        run_cli("enrich", "--help")
    assert "example:\n  phenomena-catalog enrich --dry-run\n" in capsys.readouterr().out


def test_set_fields_inserts_in_format_order_and_replaces_whole_values():
    text = "title: T\n# about the year\nyear: 2020\ntopics: [a]\nkeywords:\n- x\n- y\n\n# end\nadded: 2026-01-01"
    assert set_fields(text, {"keywords": ["z"], "month": 3, "sources": ["L"]}, "p.yaml") == (
        "title: T\n# about the year\nyear: 2020\nmonth: 3\ntopics: [a]\nkeywords:\n- z\n\n# end\n"
        "added: 2026-01-01\nsources:\n- L\n")


def test_openalex_parsing_keeps_only_what_a_record_can_use():
    (belkin,) = openalex.parse_works((FIXTURES / "openalex_doi.json").read_bytes())
    assert (belkin.doi, belkin.year, belkin.arxiv) == ("10.1073/pnas.1903070116", 2019, "1812.11118")
    data = json.loads((FIXTURES / "openalex_doi.json").read_text(encoding="utf-8"))
    work = data["results"][0]
    work["doi"] = "https://doi.org/10.48550/arXiv.1812.11118"
    work["primary_location"]["source"] = {"display_name": "arXiv (Cornell University)", "type": "repository"}
    (preprint,) = openalex.parse_works(json.dumps(data).encode())
    assert (preprint.doi, preprint.venue) == (None, None)  # arXiv's own DOI and venue are no news
    work["primary_location"]["source"] = {"display_name": "International Conference on Machine Learning",
                                          "type": "conference"}
    (conference,) = openalex.parse_works(json.dumps(data).encode())
    assert conference.venue == "ICML 2019"  # the name the catalog's venues use
    work["primary_location"]["source"] = {"display_name": "Conference on Learning Theory", "type": "conference"}
    (other,) = openalex.parse_works(json.dumps(data).encode())
    assert other.venue == "Conference on Learning Theory 2019"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = (FIXTURES / "openalex_empty.json").read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
        type(self).seen = (self.path, self.headers["User-Agent"])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_openalex() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/works", handler
    server.shutdown()
    server.server_close()


def test_the_real_transport_against_a_local_server(local_openalex):
    url, handler = local_openalex
    client = openalex.Client(api_url=url, mailto="m@example.org", throttle=webapi.Throttle(0))
    assert client.works_by_doi(["10.1/A", "10.1/a"]) == {}
    path, agent = handler.seen
    assert path == "/works?filter=doi:10.1/a&select=" + openalex.SELECT + "&per-page=1&mailto=m%40example.org"
    assert agent.startswith("phenomena-catalog/")


def test_the_real_transport_when_nothing_listens():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = openalex.Client(api_url=f"http://127.0.0.1:{port}/works", timeout=2, throttle=webapi.Throttle(0))
    with pytest.raises(UserError) as caught:
        client.works_by_title("Deep learning")
    assert caught.value.report().startswith(f"cannot reach the OpenAlex API (127.0.0.1:{port}): ")
