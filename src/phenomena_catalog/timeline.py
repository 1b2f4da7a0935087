"""Timelines: papers per year as a small bar chart, drawn at build time as inline SVG.

The chart is an image with a text alternative: ``role="img"`` named by its ``<title>`` and
described by its ``<desc>``, which lists every year's count, so a screen reader hears the data the
bars show. Colours come from the stylesheet (``.timeline`` classes), so the chart follows the light
and dark themes; no script draws anything::

    >>> papers_per_year([2019, 2021, 2021])
    ((2019, 1), (2020, 0), (2021, 2))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_WIDTH = 14
GAP = 4
HEIGHT = 64
"""Height of the tallest bar, in SVG units."""
LABEL_HEIGHT = 16


@dataclass(frozen=True)
class Timeline:
    """Papers per year, every year from the first to the last (years without papers count 0)."""

    counts: tuple[tuple[int, int], ...]
    label: str
    """What the chart counts ("Papers on grokking per year")."""

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts)

    @property
    def description(self) -> str:
        """The data in words: the chart's text alternative."""
        return "; ".join(f"{year}: {count}" for year, count in self.counts) + "."

    def svg(self, chart_id: str) -> Markup:
        """The chart as inline SVG; ``chart_id`` makes the title and description ids unique on the page."""
        return timeline_svg(self, chart_id)


def papers_per_year(years: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """(year, count) for every year from the earliest to the latest given, zeros included."""
    counted = Counter(years)
    if not counted:
        return ()
    return tuple((year, counted.get(year, 0)) for year in range(min(counted), max(counted) + 1))


def timeline_svg(timeline: Timeline, chart_id: str) -> Markup:
    """A bar per year, the first and last years and the busiest year's count labelled."""
    counts = timeline.counts
    if not counts:
        return Markup("")
    peak = max(count for _, count in counts) or 1
    width = len(counts) * (BAR_WIDTH + GAP) - GAP
    total_height = HEIGHT + LABEL_HEIGHT + 12
    bars = []
    for index, (year, count) in enumerate(counts):
        x = index * (BAR_WIDTH + GAP)
        height = round(HEIGHT * count / peak, 1) if count else 0
        y = 12 + HEIGHT - height
        bars.append(f'<rect class="timeline-bar" x="{x}" y="{y}" width="{BAR_WIDTH}" height="{height}">'
                    f"<title>{year}: {count}</title></rect>")
    first, last = counts[0][0], counts[-1][0]
    busiest_index = max(range(len(counts)), key=lambda i: (counts[i][1], -i))
    busiest_x = busiest_index * (BAR_WIDTH + GAP) + BAR_WIDTH / 2
    labels = [
        f'<text class="timeline-label" x="0" y="{total_height - 2}">{first}</text>',
        f'<text class="timeline-label" x="{busiest_x}" y="10" text-anchor="middle">{peak}</text>',
    ]
    if last != first:
        labels.append(f'<text class="timeline-label" x="{width}" y="{total_height - 2}" '
                      f'text-anchor="end">{last}</text>')
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return Markup(
        f'<svg class="timeline" viewBox="0 0 {max(width, 1)} {total_height}" width="{max(width, 1)}" '
        f'height="{total_height}" role="img" aria-labelledby="{title_id} {desc_id}">'
        f'<title id="{title_id}">{escape(timeline.label)}</title>'
        f'<desc id="{desc_id}">{escape(timeline.description)}</desc>'
        + "".join(bars) + "".join(labels) + "</svg>"
    )


def timeline_of(years: Iterable[int], label: str) -> Timeline:
    """The timeline of some papers' years."""
    return Timeline(papers_per_year(years), label)
