"""``check-links``: every record's links asked of a local HTTP server standing in for the web."""

from __future__ import annotations

import http.server
import socket
import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from phenomena_catalog import linkcheck, webapi
from phenomena_catalog.linkcheck import Answer, Policy

TOPICS = "- id: grokking\n  title: Grokking\n"


class _Site(http.server.BaseHTTPRequestHandler):
    """Pages with known behaviours; every request is logged as (method, path)."""

    log: list[tuple[str, str]]
    hits: Counter[str]

    def _answer(self) -> None:
        type(self).log.append((self.command, self.path))
        type(self).hits[self.path] += 1
        path, hits = self.path, type(self).hits[self.path]
        if path == "/no-head" and self.command == "HEAD":
            self._send(405)
        elif path.startswith("/gone"):
            self._send(404)
        elif path == "/flaky" and hits <= 2:
            self._send(503, {"Retry-After": "0"})
        elif path == "/down":
            self._send(503)
        elif path == "/robots-not-welcome":
            self._send(403)
        elif path == "/moved":
            self._send(301, {"Location": "/ok"})
        elif path == "/moved-away":
            self._send(301, {"Location": "/gone-for-good"})
        else:
            self._send(200)

    def _send(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = _answer
    do_GET = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[tuple[str, type[_Site]]]:
    handler = type("Site", (_Site,), {"log": [], "hits": Counter()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def record(title: str, links: dict[str, str]) -> str:
    lines = "links:\n" + "".join(f"  {kind}: {url}\n" for kind, url in links.items()) if links else ""
    return f"title: {title}\nyear: 2022\ntopics: [grokking]\n{lines}added: 2026-11-23\n"


FAST = ("--interval", "0", "--backoff", "0.01", "--timeout", "5")


def test_broken_links_are_reported_at_their_line(write_catalog, run_cli, site):
    base, handler = site
    down = f"http://127.0.0.1:{closed_port()}/paper"
    write_catalog({
        "alpha2022one": record("One", {"paper": f"{base}/ok", "pdf": f"{base}/no-head", "code": f"{base}/gone"}),
        "beta2022two": record("Two", {"paper": f"{base}/moved", "code": f"{base}/moved-away",
                                      "project": f"{base}/flaky", "video": f"{base}/robots-not-welcome"}),
        "gamma2022three": record("Three", {"paper": f"{base}/ok", "slides": down}),
    }, topics=TOPICS)
    code, out, err = run_cli("check-links", *FAST)
    assert (code, err) == (1, "")
    assert out == (
        f"papers/alpha2022one.yaml:7: links.code: HTTP 404 (Not Found): {base}/gone\n"
        f"papers/beta2022two.yaml:6: links.code: HTTP 404 (Not Found): {base}/moved-away\n"
        f"papers/gamma2022three.yaml:6: links.slides: cannot connect: [Errno 111] Connection refused: {down}\n"
        "Refused to a robot (check these in a browser):\n"
        f"  papers/beta2022two.yaml:8: links.video: HTTP 403 (Forbidden): {base}/robots-not-welcome\n"
        "9 links (8 distinct URLs) checked: 3 broken, 1 refused to a robot.\n"
    )
    log = handler.log
    # HEAD first; GET only when HEAD is refused; each URL once, however many records carry it.
    assert log.count(("HEAD", "/ok")) == 2  # /ok itself and the end of /moved's redirect
    assert ("GET", "/ok") not in log
    assert [m for m, p in log if p == "/no-head"] == ["HEAD", "GET"]
    # A redirected HEAD stays a HEAD.
    assert [m for m, p in log if p == "/gone-for-good"] == ["HEAD", "GET"]
    # 503 twice (HEAD and GET), retried after a backoff, then fine.
    assert [m for m, p in log if p == "/flaky"] == ["HEAD", "GET", "HEAD"]
    # A 404 is not retried.
    assert [m for m, p in log if p == "/gone"] == ["HEAD", "GET"]


def test_a_link_still_failing_after_every_retry_is_broken(write_catalog, run_cli, site):
    base, handler = site
    write_catalog({"alpha2022one": record("One", {"paper": f"{base}/down"})}, topics=TOPICS)
    code, out, _ = run_cli("check-links", *FAST, "--attempts", "2")
    assert code == 1
    assert out.startswith(f"papers/alpha2022one.yaml:5: links.paper: HTTP 503 (Service Unavailable): {base}/down\n")
    assert [m for m, p in handler.log] == ["HEAD", "GET", "HEAD", "GET"]


def test_all_links_fine(write_catalog, run_cli, site):
    base, _ = site
    write_catalog({"alpha2022one": record("One", {"paper": f"{base}/ok"}),
                   "beta2022two": record("Two", {})}, topics=TOPICS)
    assert run_cli("check-links", *FAST) == (0, "1 link (1 distinct URL) checked: 0 broken, 0 refused to a robot.\n",
                                             "")


def test_backoff_doubles_honours_retry_after_and_is_capped():
    answers = iter([Answer(503, "busy"), Answer(503, "busy"), Answer(429, "slow down", retry_after=30),
                    Answer(429, "slow down", retry_after=30), Answer(503, "busy"),
                    Answer(503, "busy", retry_after=999), Answer(200, "OK")])
    sleeps: list[float] = []
    outcome = linkcheck.check_url("https://example.org/p", lambda method, url, timeout: next(answers),
                                  Policy(attempts=4, backoff=2.0), webapi.Throttle(0, sleeps.append),
                                  sleep=sleeps.append)
    assert outcome == linkcheck.Outcome("https://example.org/p", "ok", "", 4)
    assert sleeps == [2.0, 30.0, linkcheck.MAX_WAIT]


def test_hosts_are_asked_in_parallel_but_each_host_one_at_a_time():
    in_flight: Counter[str] = Counter()
    most: Counter[str] = Counter()
    lock = threading.Lock()
    release = threading.Event()

    def request(method: str, url: str, timeout: float) -> Answer:
        host = url.split("/")[2]
        with lock:
            in_flight[host] += 1
            most[host] = max(most[host], in_flight[host])
            if sum(1 for n in in_flight.values() if n) >= 2:
                release.set()
        release.wait(timeout=5)
        with lock:
            in_flight[host] -= 1
        return Answer(200, "OK")

    links = [linkcheck.Link("p.yaml", 1, "links.paper", f"https://{host}.example.org/{n}")
             for host in ("a", "b") for n in range(3)]
    outcomes = linkcheck.check_links(links, request, Policy(interval=0, concurrency=2))
    assert {o.status for o in outcomes.values()} == {"ok"} and len(outcomes) == 6
    assert release.is_set()  # two hosts were asked at the same time
    assert set(most.values()) == {1}  # never two requests to one host at once


def test_non_ascii_links_are_sent_encoded(write_catalog, run_cli, site):
    base, handler = site
    assert linkcheck.ascii_url("https://b\u00fccher.example/caf\u00e9?q=\u00e9t\u00e9") == (
        "https://xn--bcher-kva.example/caf%C3%A9?q=%C3%A9t%C3%A9")
    write_catalog({"alpha2022one": record("One", {"paper": f"{base}/ok/caf\u00e9"})}, topics=TOPICS)
    assert run_cli("check-links", *FAST)[0] == 0
    assert handler.log == [("HEAD", "/ok/caf%C3%A9")]


def test_options_are_checked(write_catalog, run_cli):
    write_catalog({}, topics=TOPICS)
    assert run_cli("check-links", "--concurrency", "0")[2] == "--concurrency: expected at least 1, got 0\n"
    assert run_cli("check-links", "--interval", "-1")[2] == "--interval: expected 0 or more seconds, got -1\n"
