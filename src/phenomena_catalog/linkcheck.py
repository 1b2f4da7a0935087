"""Link check: does every link in the records still answer?

Each distinct URL is asked once, however many records carry it: ``HEAD`` first (cheap), then ``GET``
when ``HEAD`` is refused or fails (many servers answer 403, 405 or 501 to ``HEAD``); the ``GET``'s
body is never read. Transient failures (429, 5xx, timeouts, dropped connections) are retried with
exponential backoff (``Retry-After`` is honoured, up to a cap). Politeness: the URLs of one host are
asked one at a time, ``interval`` seconds apart, and at most ``concurrency`` hosts at once.

An outcome is ``ok``, ``broken`` (404, 410, a host that does not exist, ... : fix the record) or
``blocked`` (401, 403, or 429 after every retry: the server refuses robots, which says nothing
about the link; worth a look by hand).
"""

from __future__ import annotations

import email.utils
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from phenomena_catalog import webapi

TIMEOUT = 20.0
ATTEMPTS = 3
BACKOFF = 2.0
"""Seconds before the first retry; each further retry waits twice as long."""
MAX_WAIT = 60.0
"""The longest a ``Retry-After`` is honoured."""
INTERVAL = 1.0
"""Seconds between two requests to the same host."""
CONCURRENCY = 4

Status = Literal["ok", "broken", "blocked"]
_TRANSIENT = {408, 425, 429, 500, 502, 503, 504}
_BLOCKED = {401, 403, 429}


@dataclass(frozen=True)
class Link:
    """One link in one record."""

    path: str
    line: int | None
    field: str
    """``links.paper``, ``links.code``, ..."""
    url: str


@dataclass(frozen=True)
class Answer:
    """What one request got: an HTTP status, or the reason there was none."""

    status: int | None
    reason: str
    retry_after: float | None = None


@dataclass(frozen=True)
class Outcome:
    """The verdict on one URL after its retries."""

    url: str
    status: Status
    detail: str
    """"HTTP 404 (Not Found)", "timed out after 20 s", "cannot connect: ..." ; empty when ok."""
    attempts: int


Requester = Callable[[str, str, float], Answer]
"""Sends ``method`` to ``url`` within a timeout and says what came back (never raises for HTTP or
network errors)."""


class _KeepHead(urllib.request.HTTPRedirectHandler):
    """urllib turns a redirected HEAD into a GET; keep it a HEAD."""

    def redirect_request(self, req: urllib.request.Request, fp: object, code: int, msg: str,
                         headers: http.client.HTTPMessage, newurl: str) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]
        if new is not None and req.get_method() == "HEAD":
            new.method = "HEAD"
        return new


_OPENER = urllib.request.build_opener(_KeepHead)


def urllib_request(method: str, url: str, timeout: float) -> Answer:
    """Ask with the standard library, following redirects; the body is never read."""
    try:
        request = urllib.request.Request(ascii_url(url), method=method, headers={"User-Agent": webapi.USER_AGENT})
        with _OPENER.open(request, timeout=timeout) as response:
            return Answer(response.status, response.reason)
    except urllib.error.HTTPError as err:
        return Answer(err.code, str(err.reason), _retry_after(err.headers.get("Retry-After")))
    except TimeoutError:
        return Answer(None, f"timed out after {timeout:g} s")
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            return Answer(None, f"timed out after {timeout:g} s")
        return Answer(None, f"cannot connect: {err.reason}")
    except (OSError, http.client.HTTPException) as err:
        return Answer(None, f"cannot connect: {err}")
    except ValueError as err:  # a host name no resolver can encode
        return Answer(None, f"not a usable URL: {err}")


def ascii_url(url: str) -> str:
    """``url`` as HTTP sends it: an internationalised host in IDNA, other non-ASCII percent-encoded."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if host.isascii():
        netloc = parts.netloc
    else:
        netloc = host.encode("idna").decode("ascii") + (f":{parts.port}" if parts.port else "")
    safe = "/:?#[]@!$&'()*+,;=%~"
    return urllib.parse.urlunsplit((parts.scheme, netloc, urllib.parse.quote(parts.path, safe=safe),
                                    urllib.parse.quote(parts.query, safe=safe),
                                    urllib.parse.quote(parts.fragment, safe=safe)))


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (a number or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    when = email.utils.parsedate_to_datetime(value) if "," in value else None
    return max(0.0, when.timestamp() - time.time()) if when is not None else None


@dataclass(frozen=True)
class Policy:
    """How hard and how politely to ask."""

    attempts: int = ATTEMPTS
    backoff: float = BACKOFF
    interval: float = INTERVAL
    concurrency: int = CONCURRENCY
    timeout: float = TIMEOUT


def check_url(url: str, request: Requester, policy: Policy, throttle: webapi.Throttle,
              sleep: Callable[[float], None] = time.sleep) -> Outcome:
    """One URL's verdict: HEAD then GET, retried with backoff while the failure looks transient."""
    answer = Answer(None, "not asked")
    for attempt in range(1, policy.attempts + 1):
        throttle.wait()
        answer = request("HEAD", url, policy.timeout)
        if not _fine(answer):
            throttle.wait()
            answer = request("GET", url, policy.timeout)
        if _fine(answer):
            return Outcome(url, "ok", "", attempt)
        if not _transient(answer) or attempt == policy.attempts:
            break
        wait = policy.backoff * 2 ** (attempt - 1)
        sleep(min(max(wait, answer.retry_after or 0.0), MAX_WAIT))
    detail = f"HTTP {answer.status} ({answer.reason})" if answer.status is not None else answer.reason
    status: Status = "blocked" if answer.status in _BLOCKED else "broken"
    return Outcome(url, status, detail, attempt)


def _fine(answer: Answer) -> bool:
    return answer.status is not None and 200 <= answer.status < 400


def _transient(answer: Answer) -> bool:
    return answer.status is None or answer.status in _TRANSIENT


def check_links(links: Iterable[Link], request: Requester = urllib_request, policy: Policy | None = None,
                sleep: Callable[[float], None] = time.sleep) -> dict[str, Outcome]:
    """The verdict on every distinct URL: hosts in parallel (at most ``concurrency``), each host's URLs
    one after another, ``interval`` seconds apart."""
    policy = policy or Policy()
    by_host: dict[str, list[str]] = {}
    for url in dict.fromkeys(link.url for link in links):
        by_host.setdefault(urllib.parse.urlsplit(url).netloc.lower(), []).append(url)

    def check_host(urls: list[str]) -> list[Outcome]:
        throttle = webapi.Throttle(policy.interval, sleep)
        return [check_url(url, request, policy, throttle, sleep) for url in urls]

    with ThreadPoolExecutor(max_workers=max(1, policy.concurrency)) as pool:
        results = pool.map(check_host, [by_host[host] for host in sorted(by_host)])
        return {outcome.url: outcome for outcomes in results for outcome in outcomes}


def report_lines(links: Iterable[Link], outcomes: Mapping[str, Outcome], status: Status) -> list[str]:
    """``papers/x.yaml:9: links.code: HTTP 404 (Not Found): https://...`` for each link with ``status``."""
    lines = []
    for link in sorted(links, key=lambda k: (k.path, k.line or 0, k.field)):
        outcome = outcomes[link.url]
        if outcome.status == status:
            where = f"{link.path}:{link.line}" if link.line else link.path
            lines.append(f"{where}: {link.field}: {outcome.detail}: {link.url}")
    return lines
