"""Charts drawn on the server as SVG: no script, no library, readable in any browser.

Each function returns one ``<svg>`` element (text, escaped) sized by its ``viewBox``;
colours and strokes are attributes, not styles, so the page's Content-Security-Policy
needs nothing for them. Days run left to right; a value axis starts at zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 120, 16, 36  # margins: axis labels left, legend right
PALETTE = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7e8c",
           "#6e7781", "#fb8f44", "#57606a")


def _scale(top: float) -> float:
    """Return a round number at or above ``top`` for the value axis (1, 2, 5 x 10^n)."""
    if top <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= top:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= top:
            return step * factor
    return step * 10


def _number(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def _frame(title: str, days: Sequence[str], top: float, percent: bool = False) -> list[str]:
    """Return the chart's opening: its title, the value grid and the first and last day."""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{escape(title)}" font-family="sans-serif" '
             f'font-size="12" fill="currentColor">', f"<title>{escape(title)}</title>"]
    inner = HEIGHT - TOP - BOTTOM
    for i in range(5):
        y = TOP + inner * i / 4
        value = top * (4 - i) / 4
        label = f"{value * 100:.0f}%" if percent else _number(value)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="currentColor" stroke-opacity="0.15"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    if days:
        parts.append(f'<text x="{LEFT}" y="{HEIGHT - 12}">{escape(days[0])}</text>')
        if len(days) > 1:
            parts.append(f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 12}" text-anchor="end">'
                         f"{escape(days[-1])}</text>")
    return parts


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * (index + 0.5) / count if count else 0)


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _legend(names: Sequence[str], first: float = TOP + 8) -> list[str]:
    parts = []
    for i, name in enumerate(names[:12]):
        y = first + i * 18
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{WIDTH - RIGHT + 10}" y="{y - 9}" width="10" height="10" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{WIDTH - RIGHT + 26}" y="{y}">{escape(name[:14])}</text>')
    return parts


def lines(title: str, days: Sequence[str], series: Mapping[str, Sequence[float]]) -> str:
    """Return a line per series over the days (subscribers by aggregator)."""
    top = _scale(max((max(v, default=0) for v in series.values()), default=0))
    parts = _frame(title, days, top)
    for i, (_name, values) in enumerate(series.items()):
        points = " ".join(f"{_x(d, len(days)):.1f},{_y(v, top):.1f}"
                          for d, v in enumerate(values))
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                     f'stroke-width="2"/>')
        if len(values) == 1:
            parts.append(f'<circle cx="{_x(0, 1):.1f}" cy="{_y(values[0], top):.1f}" r="3" '
                         f'fill="{colour}"/>')
    parts += _legend(list(series))
    return "".join(parts) + "</svg>"


def bars_and_share(title: str, days: Sequence[str], counts: Sequence[int],
                   shares: Sequence[float], count_name: str, share_name: str) -> str:
    """Return bars of a count per day with a line of a share (0-100 %) over them (polls and
    the share answered 304); the share's axis is the right-hand labels of the legend."""
    top = _scale(max(counts, default=0))
    parts = _frame(title, days, top)
    span = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    for d, count in enumerate(counts):
        y = _y(count, top)
        parts.append(f'<rect x="{_x(d, len(days)) - span * 0.4:.1f}" y="{y:.1f}" '
                     f'width="{span * 0.8:.1f}" height="{HEIGHT - BOTTOM - y:.1f}" '
                     f'fill="{PALETTE[0]}" fill-opacity="0.6"/>')
    points = " ".join(f"{_x(d, len(days)):.1f},{_y(share, 1.0):.1f}"
                      for d, share in enumerate(shares))
    parts.append(f'<polyline points="{points}" fill="none" stroke="{PALETTE[1]}" '
                 f'stroke-width="2"/>')
    parts.append(f'<text x="{WIDTH - RIGHT + 6}" y="{TOP + 4}" fill="{PALETTE[1]}">100%</text>')
    parts.append(f'<text x="{WIDTH - RIGHT + 6}" y="{HEIGHT - BOTTOM}" fill="{PALETTE[1]}">'
                 f"0%</text>")
    parts += _legend([count_name, share_name], TOP + 34)
    return "".join(parts) + "</svg>"


def ranking(title: str, rows: Sequence[tuple[str, int]]) -> str:
    """Return horizontal bars, one per row, longest first (the top feeds by followers)."""
    shown = list(rows[:10])
    height = TOP + 24 * max(len(shown), 1) + 8
    top = _scale(max((v for _, v in shown), default=0))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'role="img" aria-label="{escape(title)}" font-family="sans-serif" '
             f'font-size="12" fill="currentColor">', f"<title>{escape(title)}</title>"]
    label_width = 200
    span = WIDTH - label_width - 80
    for i, (name, value) in enumerate(shown):
        y = TOP + i * 24
        parts.append(f'<text x="{label_width - 8}" y="{y + 14}" text-anchor="end">'
                     f"{escape(name[:32])}</text>")
        parts.append(f'<rect x="{label_width}" y="{y + 2}" width="{span * value / top:.1f}" '
                     f'height="16" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="{label_width + span * value / top + 6:.1f}" y="{y + 14}">'
                     f"{value}</text>")
    return "".join(parts) + "</svg>"
