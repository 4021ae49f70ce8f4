"""Charts drawn on the server as inline SVG: no internet, no JavaScript, nothing vendored.
Each chart is `<svg role="img">` with a `<title>` and a `<desc>` that reads the numbers
out, and every mark has its own `<title>` (the browser shows it on hover). Colours are
presentation attributes, since the admin's CSP allows no inline styles.

    donut(slices, title)           parts of a whole (status distribution)
    funnel(stages, title)          shrinking bars with the share of the first
    line(days, series, title)      daily values, one polyline per series
    bars(items, title)             horizontal bars, longest first (reasons, areas)
    heatmap(rows, columns, counts, title)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import count

from markupsafe import Markup, escape

PALETTE = ("#4f46e5", "#16a34a", "#f59e0b", "#dc2626", "#0891b2", "#9333ea", "#64748b", "#db2777")
_ids = count(1)


def _fmt(value: float) -> str:
    """Indonesian numbers: 1.234 and 12,5."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.1f}".replace(".", ",")


def _svg(width: int, height: int, title: str, desc: str, body: list[str], css_class: str) -> Markup:
    ident = f"chart-{next(_ids)}"
    head = (
        f'<svg class="chart {css_class}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 (every text above and in body is escaped)


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12, fill: str = "#374151",
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}">{escape(text)}</text>')


def _empty(width: int, height: int, title: str) -> Markup:
    return _svg(width, height, title, "Belum ada data pada periode ini.",
                [_text(width / 2, height / 2, "Belum ada data", anchor="middle", fill="#9ca3af", size=14)], "chart-empty")


def donut(slices: Sequence[tuple[str, int]], title: str) -> Markup:
    width, height, cx, cy, radius, hole = 520, 220, 110, 110, 95, 58
    total = sum(v for _, v in slices)
    if not total:
        return _empty(width, height, title)
    body, angle = [], -math.pi / 2
    shown = [(label, value, PALETTE[i % len(PALETTE)]) for i, (label, value) in enumerate(slices) if value]
    for label, value, colour in shown:
        share = value / total
        mark = f"<title>{escape(label)}: {_fmt(value)} ({_fmt(round(100 * share, 1))}%)</title>"
        if share >= 0.9999:
            body.append(f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="{colour}">{mark}</circle>')
        else:
            end = angle + 2 * math.pi * share
            x1, y1 = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
            x2, y2 = cx + radius * math.cos(end), cy + radius * math.sin(end)
            large = 1 if share > 0.5 else 0
            body.append(f'<path d="M{cx},{cy} L{x1:.2f},{y1:.2f} A{radius},{radius} 0 {large} 1 {x2:.2f},{y2:.2f} Z" '
                        f'fill="{colour}" stroke="#fff" stroke-width="2">{mark}</path>')
            angle = end
    body.append(f'<circle cx="{cx}" cy="{cy}" r="{hole}" fill="#fff"/>')
    body.append(_text(cx, cy + 2, _fmt(total), anchor="middle", size=24, weight="bold", fill="#111827"))
    body.append(_text(cx, cy + 20, "total", anchor="middle", size=11, fill="#6b7280"))
    for n, (label, value, colour) in enumerate(shown):
        y = 24 + n * 24
        body.append(f'<rect x="230" y="{y - 11}" width="12" height="12" rx="2" fill="{colour}"/>')
        body.append(_text(248, y, f"{label} · {_fmt(value)} ({_fmt(round(100 * value / total, 1))}%)"))
    desc = "; ".join(f"{label}: {_fmt(value)}" for label, value, _ in shown)
    return _svg(width, height, title, desc, body, "chart-donut")


def funnel(stages: Sequence[tuple[str, int]], title: str) -> Markup:
    width, bar_height, gap, label_width = 520, 30, 10, 120
    height = len(stages) * (bar_height + gap) + gap
    first = stages[0][1] if stages else 0
    if not first:
        return _empty(width, 200, title)
    body, room = [], width - label_width - 70
    for n, (label, value) in enumerate(stages):
        share = value / first
        bar = max(2.0, room * min(share, 1.0))
        x, y = label_width + (room - bar) / 2, gap + n * (bar_height + gap)
        text = f"{label}: {_fmt(value)} ({_fmt(round(100 * share, 1))}% dari total)"
        body.append(f'<rect x="{x:.1f}" y="{y}" width="{bar:.1f}" height="{bar_height}" rx="4" '
                    f'fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(text)}</title></rect>')
        body.append(_text(label_width - 8, y + 20, label, anchor="end", weight="bold"))
        body.append(_text(width - 4, y + 20, f"{_fmt(value)} · {_fmt(round(100 * share, 1))}%", anchor="end"))
    desc = "; ".join(f"{label}: {_fmt(value)}" for label, value in stages)
    return _svg(width, height, title, desc, body, "chart-funnel")


def line(days: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], title: str) -> Markup:
    width, height, left, right, top, bottom = 960, 260, 40, 30, 16, 44
    peak = max((max(values) for _, values in series if values), default=0)
    if not days or not peak:
        return _empty(width, height, title)
    scale_top = max(4, math.ceil(peak / 4) * 4)
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(days) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / scale_top

    body = []
    for k in range(5):  # grid and y labels
        v = scale_top * k / 4
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e5e7eb"/>')
        body.append(_text(left - 6, y(v) + 4, _fmt(v), anchor="end", size=10, fill="#6b7280"))
    every = max(1, math.ceil(len(days) / 10))
    for i, day in enumerate(days):
        if i % every == 0 or (i == len(days) - 1 and i % every > every / 2):
            body.append(_text(x(i), height - bottom + 16, day, anchor="middle", size=10, fill="#6b7280"))
    for n, (name, values) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5" '
                    f'stroke-linejoin="round"><title>{escape(name)}</title></polyline>')
        for i, v in enumerate(values):
            if v:
                body.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
                            f"<title>{escape(days[i])} · {escape(name)}: {_fmt(v)}</title></circle>")
        body.append(f'<rect x="{left + n * 150}" y="{height - 14}" width="12" height="4" fill="{colour}"/>')
        body.append(_text(left + n * 150 + 18, height - 8, f"{name} ({_fmt(sum(values))})", size=11))
    desc = "; ".join(f"{name}: total {_fmt(sum(values))}, puncak {_fmt(max(values))}" for name, values in series)
    return _svg(width, height, title, desc, body, "chart-line")


def bars(items: Sequence[tuple[str, int]], title: str, *, colour: str = PALETTE[0]) -> Markup:
    width, bar_height, gap, label_width = 560, 22, 8, 220
    if not items or not max(v for _, v in items):
        return _empty(width, 160, title)
    peak = max(v for _, v in items)
    height = len(items) * (bar_height + gap) + gap
    body, room = [], width - label_width - 60
    for n, (label, value) in enumerate(items):
        y = gap + n * (bar_height + gap)
        bar = max(2.0, room * value / peak)
        short = label if len(label) <= 32 else label[:31] + "…"
        body.append(_text(label_width - 8, y + 15, short, anchor="end"))
        body.append(f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{bar_height}" rx="3" fill="{colour}">'
                    f"<title>{escape(label)}: {_fmt(value)}</title></rect>")
        body.append(_text(label_width + bar + 6, y + 15, _fmt(value), weight="bold"))
    desc = "; ".join(f"{label}: {_fmt(value)}" for label, value in items)
    return _svg(width, height, title, desc, body, "chart-bars")


def heatmap(rows: Sequence[str], columns: Sequence[str], counts: Sequence[Sequence[int]], title: str) -> Markup:
    cell, left, top = 24, 64, 22
    width, height = left + cell * len(columns) + 8, top + cell * len(rows) + 8
    peak = max((max(r) for r in counts), default=0)
    if not peak:
        return _empty(width, height, title)
    body = []
    for c, label in enumerate(columns):
        if c % 3 == 0:
            body.append(_text(left + c * cell + cell / 2, top - 6, label, anchor="middle", size=10, fill="#6b7280"))
    for r, row_label in enumerate(rows):
        body.append(_text(left - 8, top + r * cell + 16, row_label, anchor="end", size=11))
        for c, value in enumerate(counts[r]):
            strength = value / peak
            fill = "#f3f4f6" if not value else _blend(strength)
            body.append(f'<rect x="{left + c * cell + 1}" y="{top + r * cell + 1}" width="{cell - 2}" '
                        f'height="{cell - 2}" rx="3" fill="{fill}"><title>{escape(row_label)} '
                        f"{escape(columns[c])}.00: {_fmt(value)}</title></rect>")
    busiest = max(((v, r, c) for r, row in enumerate(counts) for c, v in enumerate(row)))
    desc = f"Paling ramai: {rows[busiest[1]]} pukul {columns[busiest[2]]}.00 ({_fmt(busiest[0])} pendaftaran)"
    return _svg(width, height, title, desc, body, "chart-heatmap")


def _blend(strength: float) -> str:
    """From light indigo (few) to the primary indigo (the busiest hour)."""
    low, high = (224, 231, 255), (67, 56, 202)
    mix = [round(a + (b - a) * (0.15 + 0.85 * strength)) for a, b in zip(low, high, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*mix)
