"""Escaping and number formatting for generated Markdown.

Every string that comes from a rubric or a ledger goes through
`escape_markdown` before it reaches a page. HTML tags, Markdown links,
emphasis, table pipes and line breaks in a reason are therefore shown as
text and cannot change the page's structure.
"""

from __future__ import annotations

import html
import re
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup

__all__ = ["display_number", "escape_markdown", "format_number"]

# Characters Python-Markdown treats as syntax and accepts a backslash escape
# for (its ESCAPED_CHARS, plus "|" from the tables extension). "<", ">" and
# "&" are turned into HTML entities instead, which contain none of these.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")


def escape_markdown(text: str) -> Markup:
    """Return `text` as inert Markdown inline content; newlines become <br>."""
    escaped = html.escape(text, quote=False)
    escaped = _SPECIAL.sub(r"\\\1", escaped)
    lines = [line.strip() for line in escaped.splitlines()]
    if len(lines) > 1:
        return Markup("<br>".join(line for line in lines if line))
    return Markup(lines[0] if lines else "")


def format_number(value: Decimal, precision: int = 1) -> str:
    """Round half up (四舍五入) to `precision` places and drop trailing zeros."""
    quantum = Decimal(1).scaleb(-precision)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    text = format(rounded.normalize(), "f")
    return "0" if text in ("-0", "") else text


def display_number(value: Decimal, precision: int = 1) -> str:
    """Round for display, and add the exact value where rounding changed it.

    A total of 89.95 shown only as 90 would contradict its grade band
    (优秀 ≥ 90) and its rank, which use the exact value. Values with more than
    two decimal places, such as averages, are only rounded.
    """
    rounded = format_number(value, precision)
    exact = value.normalize()
    # Averages and other quotients have no short exact form; only totals and
    # points, which have at most two decimal places, get one.
    if Decimal(rounded) == value or exact.as_tuple().exponent < -2:
        return rounded
    return f"{rounded}（精确值 {format(exact, 'f')}）"
