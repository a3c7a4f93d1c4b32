"""Decode data files the way Excel and WPS on Chinese Windows write them."""

from __future__ import annotations

from pathlib import Path

from ..errors import Location, Problems

__all__ = ["decode", "read_text"]

_BOM = b"\xef\xbb\xbf"


def decode(raw: bytes) -> tuple[str, str] | None:
    """Decode bytes as UTF-8 (with or without BOM) or else GB18030.

    Returns the text and the encoding's Chinese label, or None when neither
    decodes. UTF-8 is tried first and strictly: GB18030 accepts almost any
    byte string, so trying it first would misread UTF-8 files.
    """
    if raw.startswith(_BOM):
        try:
            return raw[len(_BOM):].decode("utf-8"), "UTF-8（带 BOM）"
        except UnicodeDecodeError:
            return None
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "GB18030/GBK"
    except UnicodeDecodeError:
        return None


def _first_bad_line(raw: bytes) -> int | None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start) + 1
    return None


def _mixed_utf8_line(raw: bytes) -> int | None:
    """Return the first non-UTF-8 line of a file whose earlier lines are UTF-8 Chinese text.

    Such a file was pasted together from two encodings; decoding it all as
    GB18030 would turn its UTF-8 part into mojibake.
    """
    body = raw[len(_BOM):] if raw.startswith(_BOM) else raw
    try:
        body.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        start = exc.start
    first_break = body.find(b"\n")
    prefix = body[:start]
    if first_break == -1 or start <= first_break or not any(byte >= 0x80 for byte in prefix):
        return None
    return body.count(b"\n", 0, start) + 1


def read_text(path: Path, display: str, problems: Problems,
              encodings: dict[str, str] | None = None) -> str | None:
    """Read a file as text, adding a problem and returning None if it cannot be decoded."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.add("file-missing", Location(display), path=display)
        return None
    line = _mixed_utf8_line(raw)
    if line is not None:
        problems.add("encoding-mixed", Location(display, line))
        return None
    decoded = decode(raw)
    if decoded is None:
        problems.add("encoding", Location(display, _first_bad_line(raw)))
        return None
    text, label = decoded
    if encodings is not None:
        encodings[display] = label
    return text.replace("\r\n", "\n").replace("\r", "\n")
