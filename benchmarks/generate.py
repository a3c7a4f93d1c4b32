"""Generate a synthetic but valid dmsite project at a chosen scale.

    python3 benchmarks/generate.py --scale district OUT_DIR

The project uses the real 2022 rubrics from rubrics/2022 and writes
units.csv, one ledger per system and measures.csv under OUT_DIR/scores/2022,
plus a content/ folder with a home page. Every ledger row passes
`dmsite check`: it names a registered unit, a rubric that applies to the
unit's type (and tags), an item scored from the ledger and a rule whose
amount fits the points. Every measure a computed item needs is present.
The same seed always gives the same files.

Reasons are built from the rubric's own rule and item texts with a few
phrasings and details, so the Chinese words in them are realistic. They
repeat far more than a real ledger's would, which flatters any compression.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime
import random
import re
import shutil
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dmsite.errors import Problems  # noqa: E402
from dmsite.load.rubrics import load_rubric  # noqa: E402
from dmsite.model import Item, Rubric, Rule, Unit  # noqa: E402

__all__ = ["SCALES", "Scale", "generate"]

YEAR = 2022


@dataclasses.dataclass(frozen=True)
class Scale:
    """Size of a generated project."""

    units: int
    rows: int
    regions: int


# A sub-district (街道) has about 100 units; a district about 3,000 in some
# 30 sub-districts; a city about 20,000. Rows per unit stay near 33, the
# rate of 100,000 ledger rows a year for a district.
SCALES = {
    "tiny": Scale(units=16, rows=400, regions=2),
    "subdistrict": Scale(units=100, rows=3_300, regions=4),
    "district": Scale(units=3_000, rows=100_000, regions=30),
    "city": Scale(units=20_000, rows=666_667, regions=200),
}

# Share of each unit type, as in a sub-district's register.
TYPE_SHARES = (("机关部门", "JG", 0.15), ("事业单位", "SY", 0.2), ("居民区", "JM", 0.45), ("两新组织", "LX", 0.2))
SYSTEM_FILES = {"基层党建": "jcdj", "党风廉政": "dflz", "意识形态": "yssx", "法治建设": "fzjs"}

_SYLLABLES = "东南西北明华兴安康乐和平新民永泰福园林春秋松竹梅兰江海山川金银锦绣长宁嘉定云龙凤阳光"
_TYPE_NAMES = {
    "机关部门": ("党政办公室", "社区管理办公室", "社区服务办公室", "平安办公室", "自治办公室", "营商办公室"),
    "事业单位": ("社区事务受理中心", "社区文化活动中心", "城市运行管理中心", "社区卫生服务中心", "综合行政执法队"),
    "居民区": ("居民区",),
    "两新组织": ("科技有限公司", "物业管理有限公司", "商贸有限公司", "社会工作服务社", "律师事务所"),
}
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙朱马胡郭林何高罗郑梁谢宋唐许韩冯邓曹彭曾"
_DEDUCTION_PHRASES = ("{clause}", "检查发现{clause}", "{clause}，经督查核实", "{clause}，整改不及时",
                      "抽查发现{clause}，涉及 {count} 项")
_AWARD_PHRASES = ("{clause}，获{level}肯定", "{clause}经验做法被{level}采纳", "{clause}，在{level}会议上交流")
# How often each kind of item gets a row, relative to a deduction item.
_KIND_WEIGHTS = {"award": 0.3, "penalty": 0.02}
_LEVELS = ("市级", "区级", "街道")
_EVIDENCE = ("工作检查记录", "专项督查记录", "台账抽查记录", "季度考核记录", "现场检查记录")


def generate(out: Path, scale: Scale, seed: int = 1, rubrics_dir: Path = ROOT / "rubrics" / str(YEAR)) -> dict:
    """Write a project of `scale` under `out`; returns counts of what was written."""
    rng = random.Random(seed)
    rubrics = _load_rubrics(rubrics_dir)

    (out / "rubrics").mkdir(parents=True, exist_ok=True)
    shutil.copytree(rubrics_dir, out / "rubrics" / str(YEAR), dirs_exist_ok=True)
    scores = out / "scores" / str(YEAR)
    (scores / "ledgers").mkdir(parents=True, exist_ok=True)
    content = out / "content"
    content.mkdir(exist_ok=True)
    (content / "index.md").write_text("# 年度考核结果公示（基准测试数据）\n\n本站数据由基准测试程序生成，均为虚构。\n",
                                      encoding="utf-8")

    units = _units(rng, scale)
    _write_csv(scores / "units.csv", ["编号", "名称", "类型", "标签", "片区"],
               [[u.id, u.name, u.type, "、".join(u.tags), u.region] for u in units])

    ledgers = _ledger_rows(rng, scale, units, rubrics)
    header = ["单位编号", "体系", "条目", "分值", "事由", "依据", "审核人", "日期", "状态", "规则"]
    for system, rows in ledgers.items():
        _write_csv(scores / "ledgers" / f"{SYSTEM_FILES[system]}.csv", header, rows)

    measures = _measure_rows(rng, units, rubrics)
    _write_csv(scores / "measures.csv", ["单位编号", "体系", "指标", "月份", "数值"], measures)
    return {"units": len(units), "rows": sum(len(rows) for rows in ledgers.values()), "measures": len(measures)}


def _load_rubrics(folder: Path) -> list[Rubric]:
    problems = Problems()
    rubrics = [load_rubric(path, path.name, problems) for path in sorted(folder.glob("*.yml"))]
    if problems.errors:
        raise SystemExit("\n".join(str(item) for item in problems.errors))
    return [rubric for rubric in rubrics if rubric is not None]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _units(rng: random.Random, scale: Scale) -> list[Unit]:
    regions = [_region_name(index, scale.regions) for index in range(scale.regions)]
    units: list[Unit] = []
    for unit_type, prefix, share in TYPE_SHARES:
        count = max(1, round(scale.units * share))
        if unit_type == "两新组织":
            count = max(1, scale.units - len(units))
        for number in range(1, count + 1):
            tags: list[str] = []
            if unit_type == "事业单位":
                if rng.random() < 0.3:
                    tags.append("行政执法")
                if rng.random() < 0.25:
                    tags.append("市级文明单位")
            region = regions[(number - 1) * scale.regions // count]
            name = f"{rng.choice(_SYLLABLES)}{rng.choice(_SYLLABLES)}{rng.choice(_TYPE_NAMES[unit_type])}{number}"
            units.append(Unit(f"{prefix}{number:05d}", name, unit_type, tuple(tags), 0, region))
    return units


def _region_name(index: int, count: int) -> str:
    # Regions are sub-districts (街道) when there are many, else 片区 of one sub-district.
    size = len(_SYLLABLES)
    if count > 10:
        # Distinct for index < size², far beyond any scale here.
        return f"{_SYLLABLES[index % size]}{_SYLLABLES[(index // size + 7 * index + 3) % size]}街道"
    return f"第{index + 1}片区"


def _applicable(rubric: Rubric, unit: Unit, item: Item) -> bool:
    return not item.applies_to or bool(set(item.applies_to) & set(unit.tags))


def _ledger_rows(rng: random.Random, scale: Scale, units: list[Unit],
                 rubrics: list[Rubric]) -> dict[str, list[list[str]]]:
    by_type = {unit_type: [r for r in rubrics if unit_type in r.unit_types] for unit_type, _, _ in TYPE_SHARES}
    per_unit = scale.rows / len(units)
    rows: dict[str, list[list[str]]] = {system: [] for system in SYSTEM_FILES}
    serial = 0
    # Some units are busier than others; the difference to the exact total is
    # spread one row at a time over random units.
    counts = [max(0, round(rng.gauss(per_unit, per_unit / 3))) for _ in units]
    difference = scale.rows - sum(counts)
    while difference:
        index = rng.randrange(len(units))
        if difference > 0:
            counts[index] += 1
            difference -= 1
        elif counts[index] > 0:
            counts[index] -= 1
            difference += 1
    for unit, count in zip(units, counts):
        choices = [(rubric, item) for rubric in by_type[unit.type] for item in rubric.items()
                   if not item.computed and _applicable(rubric, unit, item)]
        weights = [_KIND_WEIGHTS.get(item.kind, 1.0) for _, item in choices]
        for rubric, item in rng.choices(choices, weights, k=count):
            serial += 1
            rows[rubric.system].append(_ledger_row(rng, unit, rubric, item, serial))
    return rows


def _ledger_row(rng: random.Random, unit: Unit, rubric: Rubric, item: Item, serial: int) -> list[str]:
    rule = rng.choice(item.rules) if item.rules else None
    # Flag rules (一票否决, 不列入优秀) are rare in a real year.
    if rule is not None and rule.effect != "score" and rng.random() < 0.9:
        scored = [r for r in item.rules if r.effect == "score"]
        rule = rng.choice(scored) if scored else rule
    points = _points(rng, item, rule)
    date = datetime.date(YEAR, 1, 1) + datetime.timedelta(days=rng.randrange(365))
    clause = _clause(rule.text if rule is not None else item.text)
    if item.kind == "award":
        reason = rng.choice(_AWARD_PHRASES).format(clause=clause, level=rng.choice(_LEVELS))
    else:
        reason = rng.choice(_DEDUCTION_PHRASES).format(clause=clause, count=rng.randint(2, 6))
    evidence = f"{rubric.system}{rng.choice(_EVIDENCE)}第 {serial} 号（{date.isoformat()}）"
    reviewer = f"审核员{rng.choice(_SURNAMES)}某"
    status = "撤销" if rng.random() < 0.02 else ""
    return [unit.id, rubric.system, item.code, _plain(points), reason, evidence, reviewer, date.isoformat(),
            status, rule.id if rule is not None else ""]


def _points(rng: random.Random, item: Item, rule: Rule | None) -> Decimal:
    ceiling = item.max if item.max is not None else Decimal(3)
    if rule is None or rule.discretionary:
        return _step(rng, Decimal("0.5"), max(Decimal("0.5"), min(ceiling, Decimal(3))))
    if rule.effect != "score":
        return Decimal(0)
    if rule.fixed is not None:
        return rule.fixed
    if rule.per is not None:
        return rule.per * rng.choice((1, 1, 1, 2))
    low, high = rule.range or rule.per_range or (Decimal(1), Decimal(1))
    return _step(rng, low, high)


def _step(rng: random.Random, low: Decimal, high: Decimal) -> Decimal:
    """Pick low plus a random multiple of 0.5 up to high (low itself when nothing else fits)."""
    steps = int((high - low) / Decimal("0.5"))
    return low + Decimal("0.5") * rng.randint(0, max(steps, 0))


def _clause(text: str) -> str:
    """Return the first clause of a rubric text, without its list number, at most 30 characters."""
    first = text.strip().splitlines()[0]
    first = re.sub(r"^[0-9０-９]+[.．、]\s*", "", first)
    clause = re.split(r"[，。；：,;]", first)[0] or first
    return clause[:30]


def _measure_rows(rng: random.Random, units: list[Unit], rubrics: list[Rubric]) -> list[list[str]]:
    rows: list[list[str]] = []
    for unit in units:
        for rubric in rubrics:
            if unit.type not in rubric.unit_types:
                continue
            for name, item in rubric.measures().items():
                if not _applicable(rubric, unit, item):
                    continue
                if item.kind == "monthly":
                    for month in range(1, 13):
                        value = Decimal(rng.randint(300, 500)) / 10
                        rows.append([unit.id, rubric.system, name, str(month), _plain(value)])
                elif item.kind == "tiers":
                    value = Decimal(rng.choice((1000, 1000, rng.randint(940, 999)))) / 10
                    rows.append([unit.id, rubric.system, name, "", _plain(value)])
                else:
                    value = Decimal(rng.randint(160, 200)) / 2
                    rows.append([unit.id, rubric.system, name, "", _plain(min(value, rubric.total))])
    return rows


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成基准测试用的虚构考核数据（使用 rubrics/2022 的真实评分表）。")
    parser.add_argument("--scale", choices=sorted(SCALES), default="tiny", help="规模（默认 tiny）")
    parser.add_argument("--seed", type=int, default=1, help="随机种子；同一种子总是生成相同的文件")
    parser.add_argument("directory", help="输出目录（项目根目录）")
    args = parser.parse_args(argv)
    counts = generate(Path(args.directory), SCALES[args.scale], args.seed)
    print(f"已生成 {args.scale} 规模数据到 {args.directory}：单位 {counts['units']} 个，台账 {counts['rows']} 行，"
          f"测量值 {counts['measures']} 行。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
