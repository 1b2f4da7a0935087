"""``add``: arXiv metadata -> a record, from recorded API answers (never the network)."""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import threading
import urllib.error
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from phenomena_catalog import arxiv_ids
from phenomena_catalog.cli import main
from phenomena_catalog.commands import add
from phenomena_catalog.errors import UserError
from phenomena_catalog.importers import arxiv

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
TODAY = dt.date.today().isoformat()

TOPICS = """\
- id: grokking
  title: Grokking
- id: double-descent
  title: Double descent
- id: holography
  title: Holography
"""


class RecordedArxiv:
    """A transport answering from tests/fixtures/arxiv/, remembering the URLs it was asked for."""

    def __init__(self, answer: str | None = None, error: Exception | None = None) -> None:
        self.answer, self.error, self.urls = answer, error, []

    def __call__(self, url: str, timeout: float) -> bytes:
        self.urls.append(url)
        if self.error is not None:
            raise self.error
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        name = self.answer or query["id_list"][0].replace("/", "_") + ".xml"
        return (FIXTURES / name).read_bytes()


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "_topics.yaml").write_text(TOPICS, encoding="utf-8")
    return papers


def use(monkeypatch: pytest.MonkeyPatch, transport: RecordedArxiv) -> RecordedArxiv:
    monkeypatch.setattr(add, "TRANSPORT", transport)
    return transport


def files(papers: Path) -> list[str]:
    return sorted(p.name for p in papers.iterdir())


def test_add_writes_a_valid_record(catalog, monkeypatch, capsys):
    api = use(monkeypatch, RecordedArxiv())
    assert main(["add", "2201.02177", "--topic", "grokking"]) == 0
    assert api.urls == ["https://export.arxiv.org/api/query?id_list=2201.02177&max_results=1"]
    assert capsys.readouterr().out == (
        "wrote papers/power2022grokking.yaml\n"
        "Next: shorten the digest, add keywords and the venue, then run 'phenomena-catalog validate'.\n"
    )
    text = (catalog / "power2022grokking.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schema/paper.schema.json\ntitle: ")
    assert yaml.safe_load(text) == {
        "title": "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
        "authors": ["Alethea Power", "Yuri Burda", "Harri Edwards", "Igor Babuschkin", "Vedant Misra"],
        "year": 2022,
        "month": 1,
        "topics": ["grokking"],
        "links": {"paper": "https://arxiv.org/abs/2201.02177", "pdf": "https://arxiv.org/pdf/2201.02177",
                  "code": "https://github.com/openai/grok"},
        "arxiv": "2201.02177",
        "digest": yaml.safe_load(text)["digest"],
        "added": dt.date.today(),
    }
    digest = yaml.safe_load(text)["digest"]
    assert digest.startswith(
        "In this paper we propose to study generalization of neural networks on small algorithmically\n")
    assert "  " not in digest and all(len(line) <= 96 for line in digest.splitlines())
    assert " ".join(digest.split()).endswith("beyond memorization of the finite training dataset.")
    assert main(["validate"]) == 0


def test_add_with_doi_and_journal_ref_from_a_pdf_url(catalog, monkeypatch, capsys):
    use(monkeypatch, RecordedArxiv())
    code = main(["add", "https://arxiv.org/pdf/1812.11118v2.pdf", "-t", "double-descent", "-t", "grokking"])
    assert code == 0
    # The id takes the journal's year (2019), as an imported record's does: one rule, ids.paper_id.
    record = yaml.safe_load((catalog / "belkin2019reconciling.yaml").read_text(encoding="utf-8"))
    assert record["title"] == "Reconciling modern machine learning practice and the bias-variance trade-off"
    assert record["doi"] == "10.1073/pnas.1903070116"
    assert record["venue"] == "Proceedings of the National Academy of Sciences 116 (32), 15849-15854 (2019)"
    assert (record["year"], record["month"], record["topics"]) == (2018, 12, ["double-descent", "grokking"])
    assert "code" not in record["links"]
    # arXiv marks a new paragraph by indenting it; the digest keeps it as a Markdown paragraph.
    paragraphs = record["digest"].split("\n\n")
    assert len(paragraphs) == 2 and paragraphs[1].startswith("In this paper, we reconcile")
    assert paragraphs[0].endswith("their relevance to practitioners.")


def test_add_an_old_style_id_from_the_older_feed_format(catalog, monkeypatch, capsys):
    api = use(monkeypatch, RecordedArxiv())
    assert main(["add", "arXiv:hep-th/9711200v3", "--topic", "holography"]) == 0
    assert api.urls == ["https://export.arxiv.org/api/query?id_list=hep-th%2F9711200&max_results=1"]
    # The id takes the year of the journal reference (Adv. Theor. Math. Phys. 1998).
    record = yaml.safe_load((catalog / "maldacena1998large.yaml").read_text(encoding="utf-8"))
    assert record["arxiv"] == "hep-th/9711200"
    assert record["links"]["paper"] == "https://arxiv.org/abs/hep-th/9711200"
    assert record["doi"] == "10.1023/A:1026654312961"
    assert record["authors"] == ["Juan M. Maldacena"]
    assert main(["validate"]) == 0


@pytest.mark.parametrize(("given", "expected"), [
    ("2201.02177", "2201.02177"),
    ("arXiv:2201.02177v2", "2201.02177"),
    ("  2201.02177v12 ", "2201.02177"),
    ("https://arxiv.org/abs/2201.02177", "2201.02177"),
    ("https://arxiv.org/abs/2201.02177v3", "2201.02177"),
    ("http://arxiv.org/pdf/2201.02177", "2201.02177"),
    ("https://arxiv.org/pdf/2201.02177v1.pdf", "2201.02177"),
    ("arxiv.org/abs/1501.00001", "1501.00001"),
    ("https://export.arxiv.org/abs/0704.0001", "0704.0001"),
    ("hep-th/9901001", "hep-th/9901001"),
    ("math.GT/0309136", "math.GT/0309136"),
    ("https://arxiv.org/abs/math.gt/0309136v1", "math.GT/0309136"),
    ("https://arxiv.org/pdf/cond-mat/0011001.pdf", "cond-mat/0011001"),
    ("2213.00001", None),
    ("https://example.org/abs/2201.02177", None),
    ("10.1145/3446776", None),
    ("grokking", None),
])
def test_arxiv_id_forms(given, expected):
    assert arxiv_ids.parse(given) == expected


def test_not_an_arxiv_id(catalog, monkeypatch, capsys):
    api = use(monkeypatch, RecordedArxiv())
    assert main(["add", "https://openreview.net/forum?id=abc", "--topic", "grokking"]) == 1
    assert capsys.readouterr().err == (
        "'https://openreview.net/forum?id=abc' is not an arXiv id or link; write it like 2201.02177, "
        "arXiv:2201.02177v2, https://arxiv.org/abs/2201.02177 or hep-th/9901001\n"
    )
    assert api.urls == [] and files(catalog) == ["_topics.yaml"]


def test_topic_is_required_and_the_topics_are_listed(catalog, monkeypatch, capsys):
    api = use(monkeypatch, RecordedArxiv())
    assert main(["add", "2201.02177"]) == 1
    assert capsys.readouterr().err == (
        "name at least one topic with --topic; the topics in papers/_topics.yaml are: "
        "grokking, double-descent, holography\n"
    )
    assert api.urls == []


def test_unknown_topic_suggests_the_closest_before_asking_arxiv(catalog, monkeypatch, capsys):
    api = use(monkeypatch, RecordedArxiv())
    assert main(["add", "2201.02177", "--topic", "grokin"]) == 1
    assert capsys.readouterr().err == "--topic: unknown topic 'grokin'; did you mean 'grokking'?\n"
    assert api.urls == [] and files(catalog) == ["_topics.yaml"]


def test_refuses_a_paper_with_the_same_arxiv_id_without_asking_arxiv(catalog, monkeypatch, capsys):
    api = use(monkeypatch, RecordedArxiv())
    (catalog / "grokking.yaml").write_text(
        'title: Grokking\nyear: 2022\ntopics: [grokking]\narxiv: "2201.02177"\nadded: 2026-01-01\n')
    assert main(["add", "https://arxiv.org/abs/2201.02177v2", "--topic", "grokking"]) == 1
    assert capsys.readouterr().err == "arXiv 2201.02177 is already in the catalog: papers/grokking.yaml\n"
    assert api.urls == [] and files(catalog) == ["_topics.yaml", "grokking.yaml"]


def test_refuses_a_paper_with_the_same_doi(catalog, monkeypatch, capsys):
    use(monkeypatch, RecordedArxiv())
    (catalog / "belkin2019.yaml").write_text(
        'title: Reconciling practice and theory\nyear: 2019\ntopics: [double-descent]\n'
        'doi: "10.1073/PNAS.1903070116"\nadded: 2026-01-01\n')
    assert main(["add", "1812.11118", "--topic", "double-descent"]) == 1
    assert capsys.readouterr().err == (
        "this paper is already in the catalog: papers/belkin2019.yaml (same DOI)\n")
    assert files(catalog) == ["_topics.yaml", "belkin2019.yaml"]


def test_refuses_a_paper_with_a_near_identical_title(catalog, monkeypatch, capsys):
    use(monkeypatch, RecordedArxiv())
    (catalog / "power-grokking.yaml").write_text(
        'title: "Grokking: generalisation beyond overfitting on small algorithmic datasets"\n'
        'year: 2022\ntopics: [grokking]\nadded: 2026-01-01\n')
    assert main(["add", "2201.02177", "--topic", "grokking"]) == 1
    assert capsys.readouterr().err == (
        "this paper is already in the catalog: papers/power-grokking.yaml (near-identical title)\n")


def test_a_taken_id_gets_a_suffix(catalog, monkeypatch, capsys):
    use(monkeypatch, RecordedArxiv())
    (catalog / "power2022grokking.yaml").write_text(
        "title: Grokking in the wild\nyear: 2022\ntopics: [grokking]\nadded: 2026-01-01\n")
    assert main(["add", "2201.02177", "--topic", "grokking"]) == 0
    assert capsys.readouterr().out.startswith("wrote papers/power2022grokking-2.yaml\n")


@pytest.mark.parametrize(("transport", "message"), [
    (RecordedArxiv(error=urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution"))),
     ("cannot reach the arXiv API (export.arxiv.org): [Errno -3] Temporary failure in name resolution; "
      "check your internet connection; nothing was written")),
    (RecordedArxiv(error=TimeoutError("timed out")),
     "the arXiv API (export.arxiv.org) did not answer within 20 s; try again later; nothing was written"),
    (RecordedArxiv(error=urllib.error.URLError(TimeoutError("timed out"))),
     "the arXiv API (export.arxiv.org) did not answer within 20 s; try again later; nothing was written"),
    (RecordedArxiv(error=urllib.error.HTTPError("u", 503, "Service Unavailable", {}, None)),  # type: ignore[arg-type]
     ("the arXiv API answered HTTP 503 (Service Unavailable); arXiv is busy; wait a minute and try again; "
      "nothing was written")),
    (RecordedArxiv(error=urllib.error.HTTPError("u", 400, "Bad Request", {}, None)),  # type: ignore[arg-type]
     "the arXiv API answered HTTP 400 (Bad Request); try again later; nothing was written"),
    (RecordedArxiv(answer="rate_exceeded.txt"),
     "the arXiv API is throttling requests (\"Rate exceeded\"); wait a minute and try again; nothing was written"),
    (RecordedArxiv(answer="empty.xml"),
     "arXiv has no paper 2201.02177; check the id; nothing was written"),
    (RecordedArxiv(answer="error_incorrect_id.xml"),
     "arXiv refused the id 2201.02177: incorrect id format for 2213.00001; nothing was written"),
    (RecordedArxiv(answer="README.md"),
     "the arXiv API sent something that is not an Atom feed; try again later; nothing was written"),
])
def test_api_failures_say_so_in_one_line_and_write_nothing(catalog, monkeypatch, capsys, transport, message):
    use(monkeypatch, transport)
    assert main(["add", "2201.02177", "--topic", "grokking"]) == 1
    captured = capsys.readouterr()
    assert captured.err == message + "\n" and captured.out == ""
    assert files(catalog) == ["_topics.yaml"]


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 200
    body = b""

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "application/atom+xml")
        self.end_headers()
        self.wfile.write(self.body)
        type(self).seen_agent = self.headers["User-Agent"]

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_api() -> Iterator[tuple[str, type[_Handler]]]:
    """A local HTTP server standing in for export.arxiv.org, to test the real urllib transport."""
    handler = type("Handler", (_Handler,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/query", handler
    server.shutdown()
    server.server_close()


def test_urllib_transport_reads_a_feed(local_api):
    url, handler = local_api
    handler.body = (FIXTURES / "2201.02177.xml").read_bytes()
    paper = arxiv.fetch("2201.02177", api_url=url)
    assert (paper.arxiv_id, paper.published, paper.authors[0]) == ("2201.02177", dt.date(2022, 1, 6), "Alethea Power")
    assert handler.seen_agent.startswith("phenomena-catalog/")


def test_urllib_transport_turns_http_errors_into_one_line(local_api):
    url, handler = local_api
    handler.status, handler.body = 503, b"busy"
    with pytest.raises(UserError) as caught:
        arxiv.fetch("2201.02177", api_url=url)
    assert caught.value.report() == (
        "the arXiv API answered HTTP 503 (Service Unavailable); arXiv is busy; wait a minute and try "
        "again; nothing was written"
    )


def test_urllib_transport_when_nothing_listens():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(UserError) as caught:
        arxiv.fetch("2201.02177", api_url=f"http://127.0.0.1:{port}/api/query", timeout=2)
    assert caught.value.report().startswith(f"cannot reach the arXiv API (127.0.0.1:{port}): ")
    assert caught.value.report().endswith("; check your internet connection; nothing was written")


def test_add_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["add", "--help"])
    assert "example:\n  phenomena-catalog add 2405.20233 --topic grokking" in capsys.readouterr().out
