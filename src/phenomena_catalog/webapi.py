"""Asking a web API: one GET through a replaceable transport, every failure as one line, a polite pace.

The one owner of what a network failure says. ``add`` and ``enrich`` ask arXiv, ``enrich`` asks
OpenAlex too; each failure (offline, timeout, HTTP error, throttling) becomes a ``UserError`` such as::

    the arXiv API answered HTTP 503 (Service Unavailable); arXiv is busy; wait a minute and try again;
    nothing was written

The HTTP call goes through a ``Transport`` (``urllib_transport`` by default) so tests replay recorded
answers; a ``Throttle`` keeps the pace an API asks for (arXiv: one request every 3 seconds).
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from phenomena_catalog import __version__
from phenomena_catalog.errors import UserError

Transport = Callable[[str, float], bytes]
"""Fetches a URL within a timeout and returns the body; raises ``OSError`` (``urllib.error.URLError``,
``HTTPError``, ``TimeoutError``) when it cannot."""

USER_AGENT = f"phenomena-catalog/{__version__} (paper catalog metadata; polite, rate-limited requests)"
NOTHING_WRITTEN = "nothing was written"


def urllib_transport(url: str, timeout: float) -> bytes:
    """GET ``url`` with the standard library; errors propagate as ``OSError`` subclasses."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body: bytes = response.read()
    return body


@dataclass(frozen=True)
class Service:
    """A web API as messages name it."""

    name: str
    """How people call it ("arXiv"); messages say "the arXiv API"."""
    busy_advice: str = "wait a minute and try again"
    """What to do when it answers 429 or 503."""


def get(url: str, service: Service, transport: Transport, timeout: float) -> bytes:
    """The body at ``url``; any failure is a one-line ``UserError`` that says nothing was written."""
    host = urllib.parse.urlsplit(url).netloc
    api = f"the {service.name} API"
    try:
        return transport(url, timeout)
    except urllib.error.HTTPError as err:
        advice = (f"{service.name} is busy; {service.busy_advice}" if err.code in (429, 503)
                  else "try again later")
        raise UserError(f"{api} answered HTTP {err.code} ({err.reason}); {advice}; {NOTHING_WRITTEN}") from None
    except TimeoutError:
        raise UserError(f"{api} ({host}) did not answer within {timeout:g} s; try again later; "
                        f"{NOTHING_WRITTEN}") from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError):
            raise UserError(f"{api} ({host}) did not answer within {timeout:g} s; try again later; "
                            f"{NOTHING_WRITTEN}") from None
        raise UserError(f"cannot reach {api} ({host}): {reason}; check your internet connection; "
                        f"{NOTHING_WRITTEN}") from None
    except OSError as err:
        raise UserError(f"cannot reach {api} ({host}): {err.strerror or err}; check your internet connection; "
                        f"{NOTHING_WRITTEN}") from None


@dataclass
class Throttle:
    """Waits so that calls are at least ``interval`` seconds apart (the first one does not wait)."""

    interval: float
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _last: float | None = field(default=None, init=False)

    def wait(self) -> None:
        """Sleep as long as needed since the previous call, then mark this one."""
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            self.sleep(self.interval - (now - self._last))
            now = self.clock()
        self._last = now
