#!/usr/bin/env python3
"""Check a downloaded segment of the portal's change feed against a head held earlier.

Standard library only: run it as `python3 -I -S verify_changes.py ...` on any machine. The
construction it recomputes is CHANGES-v1 of docs/changes.md:

    canonical = UTF-8 JSON of the event's action, address, kind, object_id, object_type,
                occurred_at, sequence and state; keys sorted, no whitespace, non-ASCII as is
    hash      = sha256(prev_hash + "|" + canonical), lower-case hex; the first event's
                prev_hash is 64 zeros (the genesis hash)

Input: one or more files, read in the order given, each either JSON Lines (one event per line)
or JSON (a page of /api/v1/changes/ with its "events", or a list of events).

    python3 -I -S verify_changes.py page1.json page2.json --head 1200:9f86d0...
    python3 -I -S verify_changes.py feed.jsonl --prev-hash <hash of the event before the first>

--head SEQ:HASH   a head held earlier (from /data/, /api/v1/changes/heads/ or a manifest): the
                  segment must contain event SEQ with that hash, or start right after it
                  (its first prev_hash is then HASH).
--prev-hash HASH  the hash the segment's first event must chain to. Without either, a segment
                  starting at sequence 1 chains to the genesis hash; one starting later is
                  checked internally only, and the output says it was not anchored.

Exit codes: 0 the segment is consistent (and agrees with the head); 1 it is not: the first
bad sequence is printed with what disagreed; 2 the input could not be read (usage, file,
JSON errors).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys

GENESIS_HASH = "0" * 64
CANONICAL_FIELDS = ("action", "address", "kind", "object_id", "object_type", "occurred_at", "sequence", "state")
REQUIRED = (*CANONICAL_FIELDS, "prev_hash", "hash")
HEX64 = re.compile(r"[0-9a-f]{64}\Z")


class InputError(Exception):
    pass


class Mismatch(Exception):
    def __init__(self, sequence: int, message: str):
        super().__init__(f"sequence {sequence}: {message}")
        self.sequence = sequence
        self.message = message


def canonical_bytes(event: dict) -> bytes:
    document = {name: event[name] for name in CANONICAL_FIELDS}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"|" + canonical).hexdigest()


def read_events(paths: list[str]) -> list[dict]:
    """The events of the files, in order (JSON Lines or JSON pages)."""
    events: list[dict] = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as error:
            raise InputError(f"{path}: {error.strerror or error}") from error
        except UnicodeDecodeError as error:
            raise InputError(f"{path}: not UTF-8 text ({error})") from error
        try:
            try:
                data = json.loads(text)
            except ValueError:
                # Not one JSON document: JSON Lines, one event per line.
                found = [json.loads(line) for line in text.splitlines() if line.strip()]
            else:
                if isinstance(data, dict):
                    found = data["events"] if "events" in data else [data]
                else:
                    found = data
        except (ValueError, KeyError, TypeError) as error:
            raise InputError(f"{path}: not a feed segment ({error})") from error
        if not isinstance(found, list) or not all(isinstance(e, dict) for e in found):
            raise InputError(f"{path}: the events must be JSON objects")
        events.extend(found)
    return events


def parse_head(value: str) -> tuple[int, str]:
    sequence, _, digest = value.partition(":")
    if not (sequence.isascii() and sequence.isdigit()) or not HEX64.match(digest):
        raise InputError("--head: give SEQUENCE:HASH, e.g. 1200:" + "ab" * 32)
    return int(sequence), digest


def verify(events, *, head: tuple[int, str] | None = None, prev_hash: str | None = None) -> dict:
    """Check the events (an iterable, consumed once, in order). Returns a summary; raises Mismatch
    at the first event that disagrees, InputError for an event without the fields."""
    expected_sequence: int | None = None
    last_hash: str | None = None
    first = last = None
    anchored = False
    head_checked = False
    for event in events:
        missing = [name for name in REQUIRED if name not in event]
        if missing:
            raise InputError(f"an event lacks {', '.join(missing)}")
        sequence = event["sequence"]
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
            raise InputError(f"an event's sequence is not a positive integer: {sequence!r}")
        if expected_sequence is None:
            first = sequence
            if prev_hash is not None:
                last_hash, anchored = prev_hash, True
            elif head is not None and head[0] == sequence - 1:
                last_hash, anchored = head[1], True
                head_checked = True
            elif head is not None and head[0] < sequence - 1:
                raise Mismatch(head[0] + 1, f"the segment starts at {sequence}, after the head {head[0]} held: "
                                            f"events {head[0] + 1}..{sequence - 1} are missing")
            elif sequence == 1:
                last_hash, anchored = GENESIS_HASH, True
            else:
                last_hash = event["prev_hash"]
        elif sequence != expected_sequence:
            what = "missing" if sequence > expected_sequence else "out of order or repeated"
            raise Mismatch(expected_sequence, f"expected event {expected_sequence} here, found {sequence} "
                                              f"(an event {what})")
        if event["prev_hash"] != last_hash:
            raise Mismatch(sequence, f"prev_hash {event['prev_hash']} does not chain to the hash before it "
                                     f"({last_hash})")
        try:
            computed = chain_hash(last_hash, canonical_bytes(event))
        except (TypeError, ValueError) as error:
            raise Mismatch(sequence, f"the event cannot be encoded canonically ({error})") from error
        if computed != event["hash"]:
            raise Mismatch(sequence, f"hash {event['hash']} differs from the recomputed {computed} "
                                     "(the event's content was changed)")
        if head is not None and sequence == head[0]:
            if computed != head[1]:
                raise Mismatch(sequence, f"the head held says {head[1]}, the segment's event has {computed}")
            head_checked = True
        last_hash, last, expected_sequence = computed, sequence, sequence + 1
    if first is None:
        raise InputError("the segment holds no events")
    if head is not None and not head_checked:
        raise Mismatch(head[0], f"the segment ({first}..{last}) does not reach the head held ({head[0]})")
    return {"first": first, "last": last, "hash": last_hash, "anchored": anchored, "head_checked": head_checked}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a change-feed segment (CHANGES-v1, docs/changes.md).")
    parser.add_argument("files", nargs="+", help="JSON Lines files or saved /api/v1/changes/ pages, in order")
    parser.add_argument("--head", help="SEQUENCE:HASH of a head held earlier")
    parser.add_argument("--prev-hash", help="the hash the first event must chain to")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return 2 if exit_.code else 0
    try:
        head = parse_head(args.head) if args.head else None
        if args.prev_hash is not None and not HEX64.match(args.prev_hash):
            raise InputError("--prev-hash: give 64 lower-case hex characters")
        summary = verify(read_events(args.files), head=head, prev_hash=args.prev_hash)
    except InputError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    except Mismatch as error:
        print(f"FAIL at sequence {error.sequence}: {error.message}")
        return 1
    print(report(summary))
    return 0


def report(summary: dict) -> str:
    line = f"OK: events {summary['first']}..{summary['last']}, last hash {summary['hash']}"
    if summary["head_checked"]:
        line += "; agrees with the head held"
    if not summary["anchored"]:
        line += "; not anchored (give --head or --prev-hash to check the first link)"
    return line


if __name__ == "__main__":
    sys.exit(main())
