"""Catalogue of data errors and notices shared by every loader.

Each problem found in the input has a stable code, a Chinese message template
and a location (file plus line and column, or row and column name).  Loaders
collect problems instead of stopping at the first one, so that `dmsite check`
can list every problem in one run and the MkDocs build can fail with all of
them at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["CATALOGUE", "Location", "Problem", "Problems", "relative"]


@dataclasses.dataclass(frozen=True)
class Location:
    """Position of a value in a source file.

    `line` and `column` are 1-based. For CSV files `line` is the physical line
    of the row and `field` is the column header the value sits under.
    """

    path: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f" 第 {self.line} 行"
        if self.column is not None:
            text += f" 第 {self.column} 列"
        if self.field is not None:
            text += f"「{self.field}」列"
        return text

    def sort_key(self) -> tuple[str, int, int]:
        return (self.path, self.line or 0, self.column or 0)


# Code -> (message template, how to fix it). Templates take keyword arguments.
CATALOGUE: dict[str, tuple[str, str]] = {
    # Files and encodings
    "file-missing": ("找不到文件或目录 {path}", "请确认路径正确，或在 mkdocs.yml 的 dmsite 插件配置中指定正确的目录"),
    "encoding-mixed": (
        "本行起的内容不是 UTF-8 编码，而前面的行是：文件混用了两种编码",
        "通常是从另一个文件粘贴了 GBK 编码的行；请用 Excel 或 WPS 打开后“另存为”“CSV UTF-8（逗号分隔）”",
    ),
    "encoding-suspect": (
        "按 GB18030/GBK 解码后表头中没有任何可识别的列名，文件可能是其他编码（如 Big5、Shift-JIS）",
        "请用 Excel 或 WPS 打开后“另存为”“CSV UTF-8（逗号分隔）”",
    ),
    "encoding": (
        "无法识别文件编码：既不是 UTF-8，也不是 GB18030/GBK",
        "请用 Excel 或 WPS 的“另存为”选择“CSV UTF-8（逗号分隔）”重新保存",
    ),
    # YAML
    "yaml-syntax": ("YAML 语法错误：{detail}", "请检查该位置的缩进、冒号和引号；缩进只能用空格，不能用制表符"),
    "yaml-tab": ("行首使用了制表符（Tab）缩进", "YAML 只能用空格缩进，请把制表符替换为空格"),
    "yaml-fullwidth-colon": (
        "键名后使用了全角冒号“：”：{value}",
        "YAML 的键与值之间必须用半角冒号“:”加一个空格",
    ),
    "yaml-duplicate-key": ("键「{key}」重复出现，上一次在第 {first_line} 行", "请删除或合并重复的键"),
    "yaml-not-mapping": ("文件顶层应为键值对（映射），实际为 {value}", "请参照 rubrics/ 下已有的评分表文件格式"),
    # Rubric schema
    "schema-missing": ("缺少必填字段「{field}」", "请补上该字段"),
    "schema-extra": ("不认识的字段「{field}」", "请检查字段名拼写，可用字段见评分表格式说明"),
    "schema-invalid": ("「{field}」{label}无效：{detail}", "请按评分表格式说明修改"),
    "schema-type": ("字段「{field}」的值 {value} 无效：{detail}", "请按评分表格式说明填写"),
    "code-not-string": (
        "编码 {value} 没有加引号，会被当成数字",
        "编码必须是字符串，请写成带引号的形式，例如 \"{value}\"",
    ),
    "rubric-duplicate-code": ("编码「{code}」在本评分表中重复", "同一评分表内的类别、指标、条目编码必须唯一"),
    "rubric-duplicate-id": ("评分表编号「{id}」重复，另一份在 {other}", "每份评分表的 id 必须唯一"),
    "rubric-year-mismatch": (
        "评分表的年度 year: {value} 与所在目录 {folder} 不一致",
        "复制上一年度的评分表后，请把 year 改为 {folder}，或把文件放到 rubrics/{value}/ 下",
    ),
    "rubric-id-mismatch": ("评分表 id「{id}」与文件名「{stem}」不一致", "请让 id 与文件名（不含 .yml）相同"),
    "rubric-bad-id": ("编号「{value}」含有不允许的字符", "编号只能使用英文字母、数字、连字符和下划线"),
    "rubric-total": (
        "各条目满分之和为 {actual}，与声明的总分 {declared} 不符",
        "请核对条目分值；若原表本身不一致，请在 notes 中记录所采用的解读（kind: subtotal）",
    ),
    "rubric-subtotal-unnoted": (
        "「{name}」声明 {declared} 分，但下属条目合计 {actual} 分，且没有说明",
        "请在 notes 中为「{code}」添加 kind: subtotal 的说明，写明采用的解读和理由",
    ),
    "rubric-rule-from": ("扣分方式引用的条目「{value}」不存在或本身也是引用", "rule_from 必须指向本表中直接写明扣分方式的条目"),
    "rubric-note-target": ("说明指向的编码「{value}」不存在", "target 必须是本表中的类别、指标或条目编码，或写 rubric"),
    "rubric-tiers": ("分档区间有误：{detail}", "请检查各档的上下限与“含/不含”，或在 notes 中记录解读"),
    "rubric-cap-group": ("共享上限组「{value}」未定义", "请在 cap_groups 中定义该组"),
    "rubric-unit-type": ("单位类型「{value}」不在允许范围内", "可选：机关部门、事业单位、居民区、两新组织"),
    "rubric-overlap": (
        "单位类型「{unit_type}」在 {year} 年的「{system}」体系下同时适用 {first} 和 {second}",
        "同一体系、同一单位类型只能对应一份评分表",
    ),
    # CSV tables
    "csv-empty": ("文件为空或没有表头", "第一行必须是表头：{expected}"),
    "csv-header-missing": ("缺少必填列「{field}」", "表头应包含：{expected}"),
    "csv-header-unknown": ("不认识的列名「{value}」", "请检查拼写{suggestion}；可用的列：{expected}"),
    "csv-header-duplicate": ("列名「{value}」重复", "每个列名只能出现一次"),
    "csv-cell-count": ("本行有 {actual} 个单元格，表头有 {expected} 列", "请删除多余的单元格或补齐缺少的单元格"),
    "csv-blank": ("「{field}」为空", "请填写该单元格"),
    "csv-number": ("「{field}」的值 {value} 不是有效数字", "请填写数字，例如 1 或 0.5"),
    "csv-negative": ("「{field}」的值 {value} 应为正数", "分值一律填正数，扣分或加分由条目类型决定"),
    "csv-quote": (
        "从本行起有一个双引号没有闭合，直到{end}的内容都被当成了一个单元格",
        "请找到本行中多余或缺少的英文双引号（\"）并改正；单元格内的双引号要写成两个（\"\"）",
    ),
    "csv-points-range": ("「{field}」的值 {value} 超出范围", "单条记录的分值不能超过 {high} 分，请核对"),
    "csv-decimals": ("「{field}」的值 {value} 小数位数过多", "分值最多保留两位小数，例如 0.5 或 0.25"),
    "csv-date-serial": (
        "「日期」的值 {value} 是 Excel 的日期序列号（对应 {date}）",
        "请把该列设为“日期”或“文本”格式，写成 {date} 的形式",
    ),
    "csv-date": ("「{field}」的值 {value} 不是有效日期", "请写成 2022-03-05 的格式"),
    "csv-status": ("「状态」的值 {value} 无效", "请填写“有效”或“撤销”，留空表示有效"),
    "csv-duplicate-row": (
        "与第 {first_line} 行完全相同",
        "重复录入请删除；确属两次相同的扣分，请在后一行的「备注」列填写“确认重复”",
    ),
    "unit-duplicate": ("单位编号「{value}」重复，第一次出现在第 {first_line} 行", "每个单位编号只能登记一次"),
    "unit-bad-id": ("单位编号「{value}」含有不允许的字符", "单位编号只能使用英文字母、数字、连字符和下划线"),
    "unit-type": ("单位类型「{value}」无效", "可选：机关部门、事业单位、居民区、两新组织"),
    "unit-unknown": ("单位编号「{value}」不在单位名册 units.csv 中", "请检查编号，或先在 units.csv 中登记该单位"),
    "system-unknown": ("体系「{value}」无效", "可选：基层党建、党风廉政、意识形态、法治建设"),
    "rubric-not-applicable": (
        "单位「{unit}」（{unit_type}）在「{system}」体系下没有适用的评分表",
        "请检查单位类型或体系是否填错",
    ),
    "item-unknown": ("条目编码「{value}」不在评分表「{rubric}」中", "请对照评分表页面填写条目编码，例如 1.1.1"),
    "item-computed": (
        "条目「{value}」由测量值自动计算，不能在扣分台账中录入",
        "请在 measures.csv 中录入相应的测量值",
    ),
    "item-not-applicable": (
        "条目「{value}」只适用于带有标签「{tags}」的单位，单位「{unit}」没有该标签",
        "请检查单位编号或条目编码；如单位确有该标签，请在 units.csv 的「标签」列补上",
    ),
    "rule-ambiguous": (
        "分值 {value} 同时符合条目「{item}」的多条规则（{rules}），而其中有规则设有上限",
        "请在「规则」列注明本条记录适用的规则编号",
    ),
    "item-excel-number": (
        "条目编码「{value}」不在评分表「{rubric}」中，疑似被 Excel 当成数字去掉了末尾的 0（原编码可能是「{candidate}」）",
        "请把该列设为“文本”格式后重新填写「{candidate}」，或在编码前加英文单引号",
    ),
    "item-excel-date": (
        "条目编码「{value}」看起来是日期，疑似被 Excel 自动转换",
        "请把该列设为“文本”格式后重新填写条目编码（如 1.2.3）",
    ),
    "unit-excel-number": (
        "单位编号「{value}」不在单位名册中，疑似被 Excel 去掉了开头的 0（原编号可能是「{candidate}」）",
        "请把该列设为“文本”格式后重新填写「{candidate}」",
    ),
    "personal-data": (
        "「{field}」中含有疑似{kind}：{value}",
        "公示页面不能出现个人信息，请删除或改写；如确认不是个人信息，请在「备注」列填写“已核实非个人信息”",
    ),
    "rule-over-max": (
        "分值 {value} 超过条目「{item}」的满分 {max} 分",
        "酌情扣分或加分不能超过条目满分，请核对分值",
    ),
    "date-out-of-year": (
        "「日期」的值 {value} 不在 {year} 年度考核期内",
        "{year} 年度的记录日期应在 {year} 年或 {next} 年，请核对日期或把记录放到对应年度的台账中",
    ),
    "ledger-duplicate": (
        "与{other}第 {first_line} 行的内容相同（分值、日期按数值比较）",
        "重复录入或复制了台账文件，请删除其中之一；确属两次相同的扣分，请在后一行的「备注」列填写“确认重复”",
    ),
    "ledger-not-csv": (
        "台账目录中的文件不是 CSV（扩展名 {suffix}），不会被读取",
        "请另存为“CSV UTF-8（逗号分隔）”；Excel 模板请用 dmsite import 转换；其他文件请移出 ledgers 目录",
    ),
    "rule-unknown": ("规则「{value}」不在条目「{item}」中", "该条目的规则有：{rules}"),
    "rule-mismatch": ("分值 {value} 与条目「{item}」的任何规则都不符", "该条目的规则有：{rules}"),
    "flag-points": ("标记类规则「{rule}」的分值应为 0，实际为 {value}", "“不列入优秀”“一票否决”类记录的分值请填 0"),
    "measure-unknown": ("指标「{value}」不是评分表「{rubric}」所用的测量指标", "可用的指标：{expected}"),
    "measure-month": ("「月份」的值 {value} 无效", "指标「{measure}」需要填写 1 到 12 的月份"),
    "measure-month-unexpected": ("指标「{measure}」不按月份录入，但「月份」填了 {value}", "请清空「月份」"),
    "measure-duplicate": ("测量值重复，第一次出现在第 {first_line} 行", "同一单位、同一指标（同一月份）只能录入一次"),
    "measure-missing": (
        "单位「{unit}」缺少测量值「{measure}」{detail}",
        "请在 {path} 中补录，评分表「{rubric}」的条目「{item}」需要它",
    ),
    "measure-range": ("「{field}」的值 {value} 超出范围 {low}–{high}", "请核对测量值"),
    # Excel workbooks (dmsite import)
    "xlsx-open": ("无法读取 Excel 文件：{detail}", "请确认文件是 .xlsx 格式；WPS 或旧版 Excel 文件请“另存为”Excel 工作簿（*.xlsx）"),
    "xlsx-sheet-missing": (
        "找不到工作表「{sheet}」，文件中的工作表有：{found}",
        "请在 dmsite template 生成的模板中填写，记录写在「{sheet}」工作表",
    ),
    "xlsx-not-text": (
        "「{field}」的值 {value} 在 Excel 中存成了{kind}，不是文本，可能已被改动（例如 2.10 变成 2.1）",
        "请把该列设为“文本”格式后重新输入，或在值前加英文单引号（如 '2.10）",
    ),
    "xlsx-formula": ("「{field}」是公式 {value}，不是填写的值", "请直接填写数字或文字，不要使用公式"),
    # Configuration
    "config-excellence": (
        "dmsite 插件设置 excellence: {value} 不是等次中分数最高的一档（等次：{names}；最高：{top}）",
        "请把 excellence 设为最高的等次名称，或调整 grades 中各等次的分数线",
    ),
    "config-year": ("找不到 {year} 年的数据：{detail}", "请确认 rubrics/{year}/ 和 scores/{year}/ 目录存在"),
    "plugin-option": ("dmsite 插件设置「{field}」的值 {value} 无效：{detail}", "请修改 mkdocs.yml 中 dmsite 插件的这项设置"),
    # Corrections (更正) in ledgers
    "correction-format": (
        "「更正」的值 {value} 格式无效",
        "请写成“文件名:行号”（例如 jcdj.csv:12），同一文件中的记录也可以只写行号；行号即 Excel 中的行号",
    ),
    "correction-unknown": ("「更正」指向的记录 {value} 不存在：{detail}", "请核对文件名和行号，行号即 Excel 中的行号"),
    "correction-self": ("记录不能更正自己（{value}）", "请填写被更正的那一行的文件名和行号"),
    "correction-mismatch": (
        "被更正的记录 {value} 是{detail}，与本行不是同一单位、同一体系",
        "更正只能替换同一单位、同一体系的记录；记错单位或体系的，请撤销原记录后另行录入",
    ),
    "correction-duplicate": (
        "记录 {value} 已被 {other} 更正",
        "一条记录只能被更正一次；需要再次更正时，请更正最新的那条更正记录",
    ),
    "correction-withdrawn": ("被更正的记录 {value} 已撤销", "已撤销的记录不计分，无需更正；请清空「更正」或改为更正其他记录"),
    "correction-cycle": ("更正关系形成循环：{detail}", "请检查这些行的「更正」列，一条记录不能直接或间接更正自己"),
    "correction-note-missing": ("填写了「更正」，但「更正说明」为空", "请在「更正说明」中写明更正的原因"),
    "correction-note-orphan": (
        "填写了「更正说明」，但「更正」为空",
        "请在「更正」中写明被更正的记录（文件名:行号），或清空「更正说明」",
    ),
    # Objections received during the public notice (objections.csv)
    "objection-bad-id": ("异议编号「{value}」含有不允许的字符", "编号只能使用英文字母、数字、连字符和下划线"),
    "objection-duplicate": ("异议编号「{value}」重复，第一次出现在第 {first_line} 行", "每条异议的编号只能出现一次"),
    "objection-status": ("「状态」的值 {value} 无效", "可选：{expected}"),
    "objection-outcome-missing": ("状态为「{status}」，但「{field}」为空", "办结的异议必须填写处理结果和处理日期"),
    "objection-pending-decided": (
        "状态为「处理中」，但「处理日期」填了 {value}",
        "尚未办结的异议请清空「处理日期」；已办结的请把状态改为处理结果",
    ),
    "objection-date-order": ("「处理日期」{value} 早于「收到日期」{received}", "请核对两个日期"),
    "objection-correction": ("「更正记录」指向的记录 {value} 不存在：{detail}", "请填写台账中实施更正的那一行，写成“文件名:行号”"),
    "objection-correction-missing": (
        "状态为“已更正”，但「更正记录」为空",
        "请填写实施更正的台账记录，写成“文件名:行号”，如 jcdj.csv:12",
    ),
    "objection-correction-wrong": (
        "「更正记录」{value} 不是单位「{unit}」{system}体系的更正记录（该行的「更正」列为空，或单位、体系不同）",
        "请填写为处理本条异议而新增的、在「更正」列注明被更正记录的那一行",
    ),
    "objection-correction-status": (
        "填写了「更正记录」，但状态是「{status}」",
        "只有状态为“已更正”的异议才填写更正记录；请清空「更正记录」或修改状态",
    ),
}

@dataclasses.dataclass(frozen=True)
class Problem:
    """One error or notice with its location, ready to print in Chinese."""

    code: str
    location: Location
    message: str
    fix: str
    notice: bool = False

    def __str__(self) -> str:
        if self.fix:
            return f"{self.location}：{self.message}。{self.fix}。"
        return f"{self.location}：{self.message}。"


def problem(code: str, location: Location, /, **values: object) -> Problem:
    """Build a problem from the catalogue, filling in the message template."""
    template, fix = CATALOGUE[code]
    formatted = {key: _show(value) for key, value in values.items()}
    return Problem(code, location, template.format(**formatted), fix.format(**formatted))


def _show(value: object) -> str:
    if isinstance(value, str):
        return value
    return str(value)


class Problems:
    """An ordered collection of problems found while loading one data set."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def add(self, code: str, location: Location, /, **values: object) -> None:
        self._items.append(problem(code, location, **values))

    def notice(self, location: Location, message: str) -> None:
        self._items.append(Problem("reading", location, message, "", notice=True))

    def extend(self, items: Iterable[Problem]) -> None:
        self._items.extend(items)

    @property
    def errors(self) -> list[Problem]:
        return [item for item in self._items if not item.notice]

    @property
    def notices(self) -> list[Problem]:
        return [item for item in self._items if item.notice]

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def relative(path: Path, root: Path) -> str:
    """Return `path` relative to `root` with forward slashes, for messages."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
