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


def read_text(path: Path, display: str, problems: Problems,
              encodings: dict[str, str] | None = None) -> str | None:
    """Read a file as text, adding a problem and returning None if it cannot be decoded."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.add("file-missing", Location(display), path=display)
        return None
    decoded = decode(raw)
    if decoded is None:
        problems.add("encoding", Location(display))
        return None
    text, label = decoded
    if encodings is not None:
        encodings[display] = label
    return text.replace("\r\n", "\n").replace("\r", "\n")
