"""Bad-input corpus: each file under tests/corpus/inputs gives exactly its expected errors.

Every case replaces one file of the mini project from conftest (a ledger,
the unit registry, the measures or the rubric) and lists, in cases.yml,
the exact Chinese messages `dmsite check` must report. No case may be
accepted silently.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dmsite.load.dataset import load_project

from .conftest import UNITS_CSV, write_project

CORPUS = Path(__file__).parent / "corpus"
CASES = yaml.safe_load((CORPUS / "cases.yml").read_text(encoding="utf-8"))
# A 两新组织 unit needs no mini-rubric measures; its id shows what Excel does to leading zeros.
BASE_UNITS = UNITS_CSV + "007,示例零零七,两新组织,\n"
TARGETS = {
    "ledger": "scores/2022/ledgers/test.csv",
    "units": "scores/2022/units.csv",
    "measures": "scores/2022/measures.csv",
    "rubric": "rubrics/2022/mini.yml",
}


def run_case(root: Path, case: dict) -> list[str]:
    write_project(root, units=BASE_UNITS)
    suffix = "yml" if case["replaces"] == "rubric" else "csv"
    data = (CORPUS / "inputs" / f"{case['name']}.{suffix}").read_bytes()
    (root / TARGETS[case["replaces"]]).write_bytes(data)
    return [str(problem) for problem in load_project(root).problems.errors]


def test_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({case["name"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_bad_input_gives_expected_errors(tmp_path, case):
    errors = run_case(tmp_path, case)
    assert errors, "accepted silently"
    assert errors == case["errors"]
