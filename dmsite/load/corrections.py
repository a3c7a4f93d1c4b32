"""Resolve corrections (更正): ledger rows that replace an earlier row.

A correcting row names the row it replaces in its 更正 column, as
`文件名:行号` (the line number Excel shows) or, within the same file, as the
line number alone, and gives the reason in 更正说明. Both rows stay in the
ledger and on the unit page; only the correcting row is counted. A withdrawn
(撤销) correcting row replaces nothing, so the original counts again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ..errors import Location, Problems
from ..model import Entry

__all__ = ["RowReferenceError", "find_row", "resolve_corrections"]


class RowReferenceError(ValueError):
    """A row reference that cannot be resolved; `code` is the catalogue code to report."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def find_row(reference: str, current_path: str | None, ledger_files: Sequence[str]) -> str:
    """Turn a reference such as `jcdj.csv:12` or `12` into a row source such as `scores/2022/ledgers/jcdj.csv:12`.

    The file may be named by its file name, by a path ending in it, or not
    at all when `current_path` is given. Raises `RowReferenceError` with code
    `format` or `unknown`; whether the row exists is left to the caller.
    """
    text = reference.replace("：", ":").strip()
    name, separator, line_text = text.rpartition(":")
    if not line_text.isdigit() or int(line_text) < 2 or (separator and not name.strip()):
        raise RowReferenceError("format")
    name = name.strip()
    if not separator:
        if current_path is None:
            raise RowReferenceError("format")
        return f"{current_path}:{int(line_text)}"
    matches = [path for path in ledger_files if path == name or path.endswith("/" + name)]
    if not matches:
        known = "、".join(path.rsplit("/", 1)[-1] for path in ledger_files) or "（无）"
        raise RowReferenceError("unknown", f"本年度没有台账文件 {name}，台账文件有：{known}")
    return f"{matches[0]}:{int(line_text)}"


def resolve_corrections(entries: list[Entry], ledger_files: Sequence[str], problems: Problems) -> list[Entry]:
    """Check every 更正 reference and mark the rows that corrections replace.

    Returns the entries with `corrects` set to the target's source and
    `corrected_by` set on each replaced row. Invalid references are
    reported at the correcting row's 更正 or 更正说明 column.
    """
    by_source = {entry.source: entry for entry in entries}
    targets: dict[str, str] = {}
    corrected_by: dict[str, str] = {}
    for entry in sorted(entries, key=lambda entry: (entry.path, entry.line)):
        target = _check_reference(entry, by_source, ledger_files, problems)
        if target is None:
            continue
        targets[entry.source] = target
        if entry.withdrawn:
            continue
        if target in corrected_by:
            problems.add("correction-duplicate", Location(entry.path, entry.line, field="更正"),
                         value=_show(target), other=_show(corrected_by[target]))
            continue
        corrected_by[target] = entry.source

    _report_cycles(corrected_by, problems)
    resolved = []
    for entry in entries:
        if entry.source in targets or entry.source in corrected_by:
            entry = dataclasses.replace(entry, corrects=targets.get(entry.source, entry.corrects),
                                        corrected_by=corrected_by.get(entry.source))
        resolved.append(entry)
    return resolved


def _check_reference(entry: Entry, by_source: dict[str, Entry], ledger_files: Sequence[str],
                     problems: Problems) -> str | None:
    def at(field: str) -> Location:
        return Location(entry.path, entry.line, field=field)

    if entry.corrects is None:
        if entry.correction_note:
            problems.add("correction-note-orphan", at("更正说明"))
        return None
    if not entry.correction_note:
        problems.add("correction-note-missing", at("更正说明"))
    try:
        target = find_row(entry.corrects, entry.path, ledger_files)
    except RowReferenceError as exc:
        if exc.code == "format":
            problems.add("correction-format", at("更正"), value=entry.corrects)
        else:
            problems.add("correction-unknown", at("更正"), value=entry.corrects, detail=exc.detail)
        return None
    if target == entry.source:
        problems.add("correction-self", at("更正"), value=entry.corrects)
        return None
    original = by_source.get(target)
    if original is None:
        problems.add("correction-unknown", at("更正"), value=entry.corrects,
                     detail=f"{_show(target)} 不是有效的台账记录（空行、表头或有错误的行）")
        return None
    if (original.unit, original.system) != (entry.unit, entry.system):
        problems.add("correction-mismatch", at("更正"), value=_show(target),
                     detail=f"单位 {original.unit}、{original.system}体系的记录")
        return None
    if original.withdrawn:
        problems.add("correction-withdrawn", at("更正"), value=_show(target))
        return None
    return target


def _report_cycles(corrected_by: dict[str, str], problems: Problems) -> None:
    """Report rows that replace themselves through a chain of corrections, once per cycle."""
    replaces = {source: target for target, source in corrected_by.items()}
    reported: set[str] = set()
    for start in sorted(replaces):
        chain = [start]
        current = replaces.get(start)
        while current is not None and current not in chain:
            chain.append(current)
            current = replaces.get(current)
        if current != start or start in reported:
            continue
        reported.update(chain)
        path, _, line = start.rpartition(":")
        problems.add("correction-cycle", Location(path, int(line), field="更正"),
                     detail=" → ".join(_show(source) for source in [*chain, start]))


def _show(source: str) -> str:
    """Write a row source as 文件名:行号, the form reviewers type."""
    return source.rsplit("/", 1)[-1]
