#!/usr/bin/env python3
"""Check a credit commitment letter downloaded from the portal (docs/commitments.md).

    python3 -I -S verify_commitment.py letter.txt [SHA256-shown-on-the-page]

Standard library only. Prints the SHA-256 of the file's bytes; with the hash shown on the
letter's page, OK (exit 0) or MISMATCH (exit 1). It also checks that the file is in the
canonical form (CREDIT-COMMITMENT-v1: UTF-8, NFC, LF line ends, the header lines in order, one
final LF) and says what is wrong if it is not (exit 2): a file re-saved by an editor that
changed its line ends or normalisation no longer has the signed bytes.
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata

TAG = "CREDIT-COMMITMENT-v1"
HEADER_NAMES = ("uscc", "kind", "template", "language", "agency", "matter", "signatory", "signatory-title",
                "signed-at")


def form_problems(data: bytes) -> list[str]:
    """What makes `data` not a canonical letter document (an empty list: none)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return [f"not UTF-8 at byte {error.start}"]
    problems = []
    if text.startswith("\ufeff"):
        problems.append("starts with a byte order mark")
    if "\r" in text:
        problems.append("has CR characters (line ends must be LF only)")
    if unicodedata.normalize("NFC", text) != text:
        problems.append("is not in Unicode NFC")
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.append("does not end with exactly one LF")
    lines = text.split("\n")
    if not lines or lines[0] != TAG:
        problems.append(f"first line is not {TAG}")
        return problems
    for number, name in enumerate(HEADER_NAMES, start=1):
        if number >= len(lines) or not lines[number].startswith(f"{name}: "):
            problems.append(f"line {number + 1} is not the '{name}: ' header line")
            return problems
    rest = lines[len(HEADER_NAMES) + 1:]
    if len(rest) < 4 or rest[0] != "" or rest[2] != "":
        problems.append("the headers are not followed by an empty line, the title and an empty line")
    # A header value may be empty ("matter: "): only the title and text lines are checked.
    for number, line in enumerate(lines[len(HEADER_NAMES) + 1:], start=len(HEADER_NAMES) + 2):
        if line != line.rstrip(" \t"):
            problems.append(f"line {number} ends with spaces or tabs")
            break
    return problems


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(argv[1], "rb") as handle:
        data = handle.read()
    digest = hashlib.sha256(data).hexdigest()
    print(f"SHA-256 {digest}")
    problems = form_problems(data)
    for problem in problems:
        print(f"not canonical: {problem}")
    if len(argv) == 3:
        shown = argv[2].strip().lower()
        if digest == shown:
            print("OK: the file is the document the letter's hash was computed from")
            return 0
        print("MISMATCH: the file is not the signed document, or the hash was mistyped")
        return 1
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
