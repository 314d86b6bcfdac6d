"""The README's figures are those of bench/RESULTS.md (rewritten by the bench scripts)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def test_the_readme_quotes_the_measured_load_time():
    results = (ROOT / "bench" / "RESULTS.md").read_text()
    readme = " ".join((ROOT / "README.md").read_text().split())
    # The latest demo load beside the raw SQL load of the same rows, in the same sitting.
    section = results[results.index("## Demo load at 1,000,000 enterprises"):]
    measured = re.search(r"Latest sitting: demo load \*\*([\d.]+) s\*\*, raw SQL load of the same rows "
                         r"\*\*([\d.]+) s\*\*", section)
    assert measured, "bench/RESULTS.md no longer states the latest demo and raw load times"
    demo_seconds, raw_seconds = measured.groups()
    claim = re.search(r"a million enterprises with the lists and inspections demo in about (\w+) minutes on two "
                      r"shared cores \(([\d.]+) s, against ([\d.]+) s for a plain COPY of the same rows", readme)
    assert claim, "the README no longer quotes the load time of bench/RESULTS.md"
    assert (claim.group(2), claim.group(3)) == (demo_seconds, raw_seconds)
    assert NUMBERS[claim.group(1)] == round(float(demo_seconds) / 60)
