"""YAML reading that keeps the line and column of every value.

PyYAML's `compose` gives a node tree with marks; this module constructs plain
Python values from it and records, for each path of keys and list indexes,
where its value started. Rubric validation errors then point at the exact
line and column. Duplicate keys, tab indentation and full-width colons are
reported instead of being silently accepted as PyYAML would.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from ..errors import Location, Problems

__all__ = ["Marks", "read_yaml"]

Path = tuple[str | int, ...]
Marks = dict[Path, tuple[int, int]]

# A plain key followed by a full-width colon, such as "max：3", at line start.
_FULLWIDTH_KEY = re.compile(r"^\s*-?\s*[A-Za-z_][A-Za-z0-9_]*\s*：")
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")


def read_yaml(text: str, path: str, problems: Problems) -> tuple[Any, Marks] | None:
    """Parse `text` into Python values and a map from value paths to marks.

    Floats become `Decimal` built from their source text, so 0.1 stays 0.1.
    Returns None after adding problems when the text cannot be used.
    """
    if not _check_lines(text, path, problems):
        return None
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        detail = _translate(exc.problem or exc.context or "")
        problems.add("yaml-syntax", Location(path, line, column), detail=detail)
        return None
    except yaml.reader.ReaderError as exc:
        # Control characters and other bytes YAML does not accept.
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        problems.add("yaml-syntax", Location(path, line, column),
                     detail=f"不允许的控制字符 U+{exc.character:04X}" if isinstance(exc.character, int)
                     else "不允许的字符")
        return None
    if node is None:
        return {}, {}
    marks: Marks = {}
    before = len(problems.errors)
    value = _construct(node, (), marks, path, problems)
    if len(problems.errors) > before:
        return None
    return value, marks


def _compose(text: str) -> yaml.Node | None:
    """Compose with libyaml when PyYAML has it (ten times faster), else in Python.

    libyaml words its errors differently, so a file it rejects is parsed
    again by the Python parser, whose messages `_translate` translates.
    """
    fast_loader = getattr(yaml, "CSafeLoader", None)
    if fast_loader is not None:
        try:
            return yaml.compose(text, Loader=fast_loader)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _check_lines(text: str, path: str, problems: Problems) -> bool:
    clean = True
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            problems.add("yaml-tab", Location(path, number, len(line) - len(stripped) + 1))
            clean = False
        if _FULLWIDTH_KEY.match(line):
            column = line.index("：") + 1
            problems.add("yaml-fullwidth-colon", Location(path, number, column), value=line.strip())
            clean = False
    return clean


def _construct(node: yaml.Node, path: Path, marks: Marks, file: str, problems: Problems) -> Any:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            key_line = key_node.start_mark.line + 1
            if key in first_lines:
                location = Location(file, key_line, key_node.start_mark.column + 1)
                problems.add("yaml-duplicate-key", location, key=key, first_line=first_lines[key])
                continue
            first_lines[key] = key_line
            result[key] = _construct(value_node, path + (key,), marks, file, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(child, path + (index,), marks, file, problems)
                for index, child in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    text = node.value
    if node.style in ("'", '"', "|", ">"):
        return text
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:
            return text
    return text


_TRANSLATIONS = (
    ("found character '\\t' that cannot start any token", "此处有制表符（Tab），YAML 只能用空格"),
    ("mapping values are not allowed here", "此处不能出现“键: 值”，通常是缩进不对或值里的冒号没有加引号"),
    ("could not find expected ':'", "缺少半角冒号“:”"),
    ("did not find expected key", "缩进不一致，找不到预期的键"),
    ("did not find expected '-' indicator", "列表项缩进不一致，找不到预期的“-”"),
    ("found unexpected end of stream", "文件在引号或括号闭合前结束"),
    ("found undefined alias", "引用了未定义的锚点"),
    ("expected ',' or '}'", "花括号 { } 中的内容缺少逗号或右括号"),
    ("expected ',' or ']'", "方括号 [ ] 中的内容缺少逗号或右括号"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("expected <block end>, but found", "缩进不一致"),
)


def _translate(detail: str) -> str:
    for english, chinese in _TRANSLATIONS:
        if english in detail:
            return chinese
    return f"无法解析（{detail}）"
