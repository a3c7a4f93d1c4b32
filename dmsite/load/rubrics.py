"""Load rubric YAML files into validated `Rubric` models.

Validation runs in three passes: YAML syntax (with marks), the pydantic
schema, then checks across the whole table (unique codes, shared rules,
cap groups, declared subtotals against the items' maxima, tier bounds).
Every problem is reported with the file, line and column of the value.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic

from ..errors import Location, Problems
from ..model import ID_PATTERN, Category, Indicator, Item, Rubric
from .text import read_text
from .yamlfile import Marks, read_yaml

__all__ = ["effective_max", "load_rubric"]

_CODE_KEYS = ("code", "id", "target", "rule_from", "cap_group")


def load_rubric(path: Path, display: str, problems: Problems) -> Rubric | None:
    """Read and validate one rubric file; return None if it has errors."""
    text = read_text(path, display, problems)
    if text is None:
        return None
    parsed = read_yaml(text, display, problems)
    if parsed is None:
        return None
    data, marks = parsed
    if not isinstance(data, dict):
        problems.add("yaml-not-mapping", Location(display, 1, 1), value=type(data).__name__)
        return None

    before = len(problems.errors)
    _check_codes_are_strings(data, (), marks, display, problems)
    if len(problems.errors) > before:
        return None
    try:
        rubric = Rubric.model_validate(data)
    except pydantic.ValidationError as exc:
        _report_schema_errors(exc, marks, display, problems)
        return None

    def locate(*keys: str | int) -> Location:
        return _location(marks, keys, display)

    # The folder a rubric sits in names its year; a copied file must be updated.
    folder_year = path.parent.name
    if folder_year.isdigit() and int(folder_year) != rubric.year:
        problems.add("rubric-year-mismatch", locate("year"), value=rubric.year, folder=folder_year)
    if not ID_PATTERN.match(rubric.id):
        problems.add("rubric-bad-id", locate("id"), value=rubric.id)
    if rubric.id != path.stem:
        problems.add("rubric-id-mismatch", locate("id"), id=rubric.id, stem=path.stem)
    resolved = _resolve_shared_rules(rubric, locate, problems)
    if len(problems.errors) > before:
        return None
    _check_structure(resolved, locate, problems)
    if len(problems.errors) > before:
        return None
    return resolved


def effective_max(rubric: Rubric, items: list[Item]) -> Decimal:
    """Sum the maxima of `items`, counting each shared cap group once at its cap."""
    total = Decimal(0)
    groups: set[str] = set()
    for item in items:
        if item.cap_group is None:
            assert item.max is not None
            total += item.max
        elif item.cap_group not in groups:
            groups.add(item.cap_group)
            group = rubric.cap_group(item.cap_group)
            assert group is not None
            total += group.cap
    return total


def _check_codes_are_strings(value: Any, path: tuple[str | int, ...], marks: Marks,
                             display: str, problems: Problems) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            child_path = path + (key,)
            if key in _CODE_KEYS and isinstance(child, (int, Decimal, float)) and not isinstance(child, bool):
                problems.add("code-not-string", _location(marks, child_path, display), value=child)
            else:
                _check_codes_are_strings(child, child_path, marks, display, problems)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _check_codes_are_strings(child, path + (index,), marks, display, problems)


def _report_schema_errors(exc: pydantic.ValidationError, marks: Marks, display: str,
                          problems: Problems) -> None:
    errors = exc.errors()
    # An invalid member also makes pydantic report its list as too short;
    # only the member's own error is useful.
    failing = [tuple(error["loc"]) for error in errors if error["type"] != "too_short"]
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "too_short" and any(other[:len(loc)] == loc and other != loc for other in failing):
            continue
        field = ".".join(str(part) for part in loc) or "（顶层）"
        location = _location(marks, loc, display)
        kind = error["type"]
        if kind == "missing":
            problems.add("schema-missing", location, field=field)
        elif kind == "extra_forbidden":
            problems.add("schema-extra", location, field=field)
        elif isinstance(error.get("input"), dict):
            written = error["input"]
            ident = written.get("code", written.get("id"))
            label = f"（编码 {ident}）" if ident is not None else ""
            problems.add("schema-invalid", location, field=field, label=label, detail=_schema_detail(error))
        else:
            detail = _schema_detail(error)
            problems.add("schema-type", location, field=field, value=_short(error.get("input")), detail=detail)


def _schema_detail(error: Any) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "value_error":
        return str(context.get("error", error["msg"]))
    if kind == "literal_error":
        expected = str(context.get("expected", "")).replace(" or ", ", ").replace(", ", "、")
        return f"只能取 {expected}"
    if kind in ("string_type", "str_type"):
        return "应为字符串，请加引号"
    if kind in ("decimal_parsing", "decimal_type", "int_parsing", "int_type"):
        return "应为数字"
    if kind == "greater_than_equal":
        return f"不能小于 {context.get('ge')}"
    if kind == "decimal_max_places":
        return "小数位数过多（最多两位）"
    if kind in ("too_short", "too_long"):
        return "长度不符合要求（列表不能为空）"
    if kind in ("bool_type", "bool_parsing"):
        return "应为 true 或 false"
    if kind in ("tuple_type", "list_type"):
        return "应为列表"
    if kind in ("dict_type", "model_type"):
        return "应为键值对"
    return f"格式不正确（{kind}）"


def _short(value: Any) -> str:
    if isinstance(value, str):
        text = f"“{value}”"
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _location(marks: Marks, keys: tuple[str | int, ...], display: str) -> Location:
    # Walk up the path until a marked node is found: a missing field is
    # reported at the mapping that should contain it.
    path = tuple(keys)
    while path and path not in marks:
        path = path[:-1]
    line, column = marks.get(path, (1, 1))
    return Location(display, line, column)


def _item_path(c: int, i: int, n: int, *rest: str | int) -> tuple[str | int, ...]:
    return ("categories", c, "indicators", i, "items", n, *rest)


def _resolve_shared_rules(rubric: Rubric, locate, problems: Problems) -> Rubric:
    """Copy the rule text and rules of the governing row to each row that shares it."""
    by_code = rubric.item_index()
    categories: list[Category] = []
    for c, category in enumerate(rubric.categories):
        indicators: list[Indicator] = []
        for i, indicator in enumerate(category.indicators):
            items: list[Item] = []
            for n, item in enumerate(indicator.items):
                if item.rule_from is not None:
                    source = by_code.get(item.rule_from)
                    if source is None or source.rule_from is not None or source is item:
                        problems.add("rubric-rule-from", locate(*_item_path(c, i, n, "rule_from")),
                                     value=item.rule_from)
                    else:
                        item = item.model_copy(update={"rule_text": source.rule_text, "rules": source.rules})
                items.append(item)
            indicators.append(indicator.model_copy(update={"items": tuple(items)}))
        categories.append(category.model_copy(update={"indicators": tuple(indicators)}))
    return rubric.model_copy(update={"categories": tuple(categories)})


def _check_structure(rubric: Rubric, locate, problems: Problems) -> None:
    codes: dict[str, tuple[str | int, ...]] = {}

    def claim(code: str, path: tuple[str | int, ...]) -> None:
        if code in codes:
            problems.add("rubric-duplicate-code", locate(*path, "code"), code=code)
        codes[code] = path

    noted = {(note.target, note.kind) for note in rubric.notes}
    group_indicator: dict[str, str] = {}

    for c, category in enumerate(rubric.categories):
        claim(category.code, ("categories", c))
        for i, indicator in enumerate(category.indicators):
            claim(indicator.code, ("categories", c, "indicators", i))
            for n, item in enumerate(indicator.items):
                path = _item_path(c, i, n)
                claim(item.code, path)
                if item.cap_group is not None:
                    if rubric.cap_group(item.cap_group) is None:
                        problems.add("rubric-cap-group", locate(*path, "cap_group"), value=item.cap_group)
                    elif group_indicator.setdefault(item.cap_group, indicator.code) != indicator.code:
                        problems.add("rubric-cap-group", locate(*path, "cap_group"), value=item.cap_group)
                rule_ids = [rule.id for rule in item.rules]
                if len(set(rule_ids)) != len(rule_ids):
                    problems.add("rubric-duplicate-code", locate(*path, "rules"), code="、".join(rule_ids))
                if item.kind == "tiers":
                    _check_tiers(item, lambda index, path=path: locate(*path, "tiers", index), problems)
    if len(problems.errors):
        return

    # Declared subtotals must add up, or carry a recorded reading.
    for c, category in enumerate(rubric.categories):
        category_items = [item for indicator in category.indicators for item in indicator.items]
        _check_subtotal(rubric, category.code, category.name, category.declared, category_items,
                        noted, locate("categories", c, "declared"), problems)
        for i, indicator in enumerate(category.indicators):
            _check_subtotal(rubric, indicator.code, indicator.name, indicator.declared,
                            list(indicator.items), noted,
                            locate("categories", c, "indicators", i, "declared"), problems)
    actual = effective_max(rubric, rubric.items())
    if actual != rubric.total and ("rubric", "subtotal") not in noted:
        problems.add("rubric-total", locate("total"), actual=actual, declared=rubric.total)

    for index, note in enumerate(rubric.notes):
        if note.target != "rubric" and note.target not in codes:
            problems.add("rubric-note-target", locate("notes", index, "target"), value=note.target)


def _check_subtotal(rubric: Rubric, code: str, name: str, declared: Decimal | None, items: list[Item],
                    noted: set[tuple[str, str]], location: Location, problems: Problems) -> None:
    if declared is None:
        return
    actual = effective_max(rubric, items)
    if actual != declared and (code, "subtotal") not in noted:
        problems.add("rubric-subtotal-unnoted", location, name=name, declared=declared,
                     actual=actual, code=code)


def _check_tiers(item: Item, locate_tier, problems: Problems) -> None:
    """Check that every value falls in exactly one tier, probing each bound and midpoint."""
    bounds = sorted({b for tier in item.tiers for b in (tier.min, tier.max) if b is not None})
    if not bounds:
        return
    probes = [bounds[0] - 1, bounds[-1] + 1]
    for low, high in zip(bounds, bounds[1:]):
        probes.append((low + high) / 2)
    probes.extend(bounds)
    for value in probes:
        hits = [index for index, tier in enumerate(item.tiers) if tier.contains(value)]
        labels = "、".join(item.tiers[index].label for index in hits)
        if len(hits) > 1:
            problems.add("rubric-tiers", locate_tier(hits[1]), detail=f"{value} 同时落在 {labels}")
        elif not hits:
            problems.add("rubric-tiers", locate_tier(0), detail=f"{value} 不落在任何一档")
