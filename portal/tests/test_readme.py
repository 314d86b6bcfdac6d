"""The README's figures are those of bench/RESULTS.md (rewritten by the bench scripts)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def test_the_readme_quotes_the_measured_load_time():
    results = (ROOT / "bench" / "RESULTS.md").read_text()
    readme = " ".join((ROOT / "README.md").read_text().split())
    seconds = float(re.search(r"\*\*([\d.]+) s\*\* for 1,000,000 enterprises", results).group(1))
    claim = re.search(r"a million enterprises in about (\w+) minutes on two cores \((\d+) s in `bench/RESULTS.md`\)",
                      readme)
    assert claim, "the README no longer quotes the load time of bench/RESULTS.md"
    assert int(claim.group(2)) == round(seconds)
    assert NUMBERS[claim.group(1)] == round(seconds / 60)
