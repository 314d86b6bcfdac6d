"""The reference draw (docs/draw.md) against fixed vectors and its own invariants."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.draw import algorithm

VERIFIER = Path(algorithm.__file__).parent.parent / "verify_draw.py"

GOLDEN_POOL = [
    ("91110108551385082Q", "A"),
    ("91110000600037341L", "A"),
    ("911101087000011111", "A"),
    ("92110105MA00000001", "B"),
    ("93310115MA00000002", "B"),
    ("91440305MA00000003", "C"),
    ("91330106MA00000004", "D"),
]
GOLDEN_ROSTER = ["INS-001", "INS-002", "INS-003"]
GOLDEN_EXCLUSIONS = [("INS-001", "91440305MA00000003"), ("INS-002", "91440305MA00000003")]
GOLDEN_RATIOS = {"A": "0.5", "B": "0.5", "C": "1", "D": "0"}
GOLDEN_SECRET = bytes(range(32))
GOLDEN_ENTROPY = "03 11 17 25 31 + 07"
GOLDEN_DOCUMENT = (
    b'{"algorithm":"DRAW-v1","entropy_source":"Lottery X draw of 2026-11-27","files":{"exclusions.csv":'
    b'"ea92c60cc56aac891d720d99659bb3b12ba2afb30b5500ab84d1ffaa2e3e6fe3","pool.csv":'
    b'"9bb8fcf401ae75a31c08aad9e90b9e5b2107903d36d893f4ada51c92ae2f0b6f","roster.csv":'
    b'"32656eeccff8de457a8aeffd6df8e7d5fd2615446d76b7e529c0229f6314f5c3"},"plan":"TEST-2026-01","ratios":'
    b'{"A":"0.5","B":"0.5","C":"1","D":"0"},"secret_hash":'
    b'"630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd","team_size":2,"workload_cap":2}'
)
GOLDEN_COMMITMENT = "f3693decd6a366ec27beb76efae2ba8f996f065912c5518b5ef49523966adfd0"
GOLDEN_SEED = "2cdf0df487c9ec8f59a66bfe89cf80156cced3289dbfbb7bcf0391c7eb8c0d14"
GOLDEN_TICKETS = {
    "91110108551385082Q": "17808ffaa3ffad58ddac3c198ade68e094555ea0bb95605b4ce94cd602d464b5",
    "91110000600037341L": "ff197ea48ac1ddeac14ee830d1fb9bc7d356b0f8d74e0d33916a083a0c2de81e",
    "911101087000011111": "6514bd537f95de8428c002899adcdd957423b61334b441d01e38cc469cc05ecd",
    "92110105MA00000001": "a8db943b2aba87a0bc0fd3818f4426f682f024396b0a735a0adf6c5bf62d43bb",
    "93310115MA00000002": "3f9c4182b4f245f9f045151103cec8bc26b42f617b95312afb675e1508be6f58",
    "91440305MA00000003": "e69e4c9a2d1243b78977403f48f70cd75542b6d961d8306a8b494d2b03acc057",
    "91330106MA00000004": "7fd4845f1f8a51d04e6c7759508ad1e73e4871c4dfa2332dbb59166841d72204",
}
# A: 3 firms at 0.5 -> ceil(1.5) = 2; B: 2 at 0.5 -> 1; C: 1 at 1 -> 1; D: ratio 0 -> 0.
# The C firm has one eligible inspector (two excluded) and is visited first: unassigned.
# Then by ticket: 17808.. gets INS-001;INS-003, 3f9c.. gets INS-003;INS-001, both now at
# the cap of 2, so 6514.. has one candidate left and stays unassigned.
GOLDEN_RESULT = (
    b"uscc,risk_class,ticket,inspector_codes\n"
    b"91110108551385082Q,A,17808ffaa3ffad58ddac3c198ade68e094555ea0bb95605b4ce94cd602d464b5,INS-001;INS-003\n"
    b"93310115MA00000002,B,3f9c4182b4f245f9f045151103cec8bc26b42f617b95312afb675e1508be6f58,INS-003;INS-001\n"
    b"911101087000011111,A,6514bd537f95de8428c002899adcdd957423b61334b441d01e38cc469cc05ecd,\n"
    b"91440305MA00000003,C,e69e4c9a2d1243b78977403f48f70cd75542b6d961d8306a8b494d2b03acc057,\n"
)


def golden_files() -> dict[str, bytes]:
    files = {
        algorithm.POOL_FILE: algorithm.pool_csv(GOLDEN_POOL),
        algorithm.ROSTER_FILE: algorithm.roster_csv(GOLDEN_ROSTER),
        algorithm.EXCLUSIONS_FILE: algorithm.exclusions_csv(GOLDEN_EXCLUSIONS),
    }
    files[algorithm.PARAMETERS_FILE] = algorithm.parameters_document(
        plan="TEST-2026-01",
        files=files,
        ratios=GOLDEN_RATIOS,
        team_size=2,
        workload_cap=2,
        secret_hash=algorithm.sha256_hex(GOLDEN_SECRET),
        entropy_source="Lottery X draw of 2026-11-27",
    )
    return files


def golden_draw(pool=GOLDEN_POOL, roster=GOLDEN_ROSTER, exclusions=GOLDEN_EXCLUSIONS):
    return algorithm.run_draw(
        seed=GOLDEN_SEED,
        pool=pool,
        roster=roster,
        exclusions=exclusions,
        ratios=GOLDEN_RATIOS,
        team_size=2,
        workload_cap=2,
    )


def test_it_writes_the_canonical_frozen_files():
    files = golden_files()
    assert files[algorithm.POOL_FILE] == (
        b"uscc,risk_class\n91110000600037341L,A\n91110108551385082Q,A\n911101087000011111,A\n"
        b"91330106MA00000004,D\n91440305MA00000003,C\n92110105MA00000001,B\n93310115MA00000002,B\n"
    )
    assert files[algorithm.ROSTER_FILE] == b"inspector_code\nINS-001\nINS-002\nINS-003\n"
    assert files[algorithm.EXCLUSIONS_FILE] == (
        b"inspector_code,uscc\nINS-001,91440305MA00000003\nINS-002,91440305MA00000003\n"
    )


def test_it_reproduces_the_golden_commitment_seed_and_tickets():
    files = golden_files()
    assert files[algorithm.PARAMETERS_FILE] == GOLDEN_DOCUMENT
    assert algorithm.commitment_of(GOLDEN_DOCUMENT) == GOLDEN_COMMITMENT
    seed = algorithm.seed_of(commitment=GOLDEN_COMMITMENT, secret=GOLDEN_SECRET, public_entropy=GOLDEN_ENTROPY)
    assert seed == GOLDEN_SEED
    # The seed string spelled out, so that the encoding itself is pinned.
    spelled = f"DRAW-v1|seed|{GOLDEN_COMMITMENT}|{GOLDEN_SECRET.hex()}|{GOLDEN_ENTROPY}"
    assert hashlib.sha256(spelled.encode("ascii")).hexdigest() == GOLDEN_SEED
    for uscc, ticket in GOLDEN_TICKETS.items():
        assert algorithm.ticket_of(GOLDEN_SEED, uscc) == ticket
        assert hashlib.sha256(f"DRAW-v1|firm|{GOLDEN_SEED}|{uscc}".encode("ascii")).hexdigest() == ticket


def test_it_selects_and_assigns_the_golden_teams():
    result = golden_draw()
    assert result.quotas == {"A": 2, "B": 1, "C": 1, "D": 0}
    assert result.result_csv() == GOLDEN_RESULT
    assert algorithm.run_draw_from_files(golden_files(), secret=GOLDEN_SECRET, public_entropy=GOLDEN_ENTROPY).result_csv() == (
        GOLDEN_RESULT
    )


STDLIB_ONLY_RUN = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("algorithm", sys.argv[1])
algorithm = importlib.util.module_from_spec(spec)
sys.modules["algorithm"] = algorithm
spec.loader.exec_module(algorithm)
files = {name: open(sys.argv[2] + "/" + name, "rb").read() for name in json.loads(sys.argv[3])}
result = algorithm.run_draw_from_files(files, secret=bytes.fromhex(sys.argv[4]), public_entropy=sys.argv[5])
sys.stdout.buffer.write(result.result_csv())
print(sorted(name for name in sys.modules if name.split(".")[0] in {"django", "inspections", "billiard"}),
      file=sys.stderr)
"""


def test_it_runs_the_reference_algorithm_with_the_standard_library_alone(tmp_path):
    """algorithm.py is the reference: it must run without Django, the project or site-packages."""
    for name, content in golden_files().items():
        (tmp_path / name).write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", STDLIB_ONLY_RUN, algorithm.__file__, str(tmp_path),
         json.dumps(sorted(golden_files())), GOLDEN_SECRET.hex(), GOLDEN_ENTROPY],
        capture_output=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == GOLDEN_RESULT
    assert done.stderr.decode().strip() == "[]"


def test_it_gives_the_same_result_for_shuffled_input():
    rnd = random.Random(7)
    for _ in range(5):
        pool, roster, exclusions = list(GOLDEN_POOL), list(GOLDEN_ROSTER), list(GOLDEN_EXCLUSIONS)
        rnd.shuffle(pool)
        rnd.shuffle(roster)
        rnd.shuffle(exclusions)
        assert golden_draw(pool, roster, exclusions).result_csv() == GOLDEN_RESULT
        files = {
            "pool": algorithm.pool_csv(pool),
            "roster": algorithm.roster_csv(roster),
            "exclusions": algorithm.exclusions_csv(exclusions),
        }
        assert files["pool"] == golden_files()[algorithm.POOL_FILE]
        assert files["exclusions"] == golden_files()[algorithm.EXCLUSIONS_FILE]


@pytest.mark.parametrize(
    ("n", "ratio", "expected"),
    [
        (0, "0.5", 0),  # empty class
        (10, "0", 0),
        (10, "1", 10),
        (10, "1.0000", 10),
        (7, "0.03", 1),  # ceil(0.21)
        (100, "0.03", 3),
        (101, "0.03", 4),  # ceil(3.03): exact decimals, no float rounding
        (3, "0.3333", 1),  # ceil(0.9999)
        (1, "0.0001", 1),
        (1_000_000, "0.01", 10_000),
    ],
)
def test_it_computes_quotas_with_exact_decimals(n, ratio, expected):
    assert algorithm.quota(n, algorithm.ratio_string(ratio)) == expected


def test_it_takes_the_whole_class_when_k_would_exceed_n():
    pool = [(f"F{i:03d}", "D") for i in range(5)]
    result = algorithm.run_draw(
        seed="0" * 64, pool=pool, roster=["I1", "I2"], exclusions=[], ratios={"A": "1", "B": "1", "C": "1", "D": "1"},
        team_size=2, workload_cap=100,
    )
    assert result.quotas == {"A": 0, "B": 0, "C": 0, "D": 5}
    assert sorted(s.uscc for s in result.selected) == [uscc for uscc, _ in pool]
    assert [s.ticket for s in result.selected] == sorted(s.ticket for s in result.selected)


def test_it_writes_ratios_as_shortest_exact_decimals():
    assert algorithm.ratio_string("0.0300") == "0.03"
    assert algorithm.ratio_string("1.0000") == "1"
    assert algorithm.ratio_string("0.0000") == "0"
    with pytest.raises(algorithm.DrawInputError):
        algorithm.ratio_string("1.01")


def test_it_refuses_codes_that_would_break_the_encoding():
    with pytest.raises(algorithm.DrawInputError):
        algorithm.pool_csv([("BAD|CODE", "A")])
    with pytest.raises(algorithm.DrawInputError):
        algorithm.roster_csv(["有中文"])
    with pytest.raises(algorithm.DrawInputError):
        algorithm.seed_of(commitment="0" * 64, secret=b"x" * 32, public_entropy="中奖号码")
    with pytest.raises(algorithm.DrawInputError):
        algorithm.parameters_document(plan="P", files=golden_files(), ratios=GOLDEN_RATIOS, team_size=1, workload_cap=1,
                                 secret_hash="", entropy_source="")


@settings(max_examples=60, deadline=None)
@given(
    firms=st.integers(min_value=0, max_value=40),
    inspectors=st.integers(min_value=0, max_value=12),
    team_size=st.integers(min_value=2, max_value=4),
    cap=st.integers(min_value=1, max_value=6),
    exclusion_seed=st.integers(min_value=0, max_value=10_000),
    density=st.floats(min_value=0, max_value=0.6),
)
def test_it_builds_teams_within_the_constraints(firms, inspectors, team_size, cap, exclusion_seed, density):
    rnd = random.Random(exclusion_seed)
    pool = [(f"F{i:03d}", "ABCD"[i % 4]) for i in range(firms)]
    roster = [f"I{i:02d}" for i in range(inspectors)]
    exclusions = {(code, uscc) for code in roster for uscc, _ in pool if rnd.random() < density}
    result = algorithm.run_draw(
        seed=hashlib.sha256(str(exclusion_seed).encode()).hexdigest(), pool=pool, roster=roster,
        exclusions=exclusions, ratios={"A": "0.2", "B": "0.5", "C": "0.8", "D": "1"},
        team_size=team_size, workload_cap=cap,
    )
    load: dict[str, int] = {}
    for row in result.selected:
        if not row.team:
            continue
        assert len(row.team) == team_size
        assert len(set(row.team)) == team_size
        for code in row.team:
            assert code in roster
            assert (code, row.uscc) not in exclusions
            load[code] = load.get(code, 0) + 1
    assert all(count <= cap for count in load.values())
    # Nobody is left out while a valid team could still have been formed at the end.
    free = [code for code in roster if load.get(code, 0) < cap]
    for row in result.selected:
        if not row.team:
            eligible_free = [code for code in free if (code, row.uscc) not in exclusions]
            assert len(eligible_free) < team_size


def write_published(folder: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        (folder / name).write_bytes(content)


def golden_published() -> dict[str, bytes]:
    files = golden_files()
    files[algorithm.REVEAL_FILE] = algorithm.reveal_document(
        commitment=GOLDEN_COMMITMENT, secret=GOLDEN_SECRET, public_entropy=GOLDEN_ENTROPY, seed=GOLDEN_SEED
    )
    files[algorithm.RESULT_FILE] = GOLDEN_RESULT
    return files


def run_verifier(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-I", "-S", str(VERIFIER), str(folder)], capture_output=True, text=True, timeout=60
    )


def test_it_verifies_published_files_with_the_standalone_script(tmp_path):
    write_published(tmp_path, golden_published())
    completed = run_verifier(tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.startswith("MATCH: 4 selected firms")


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("result.csv", lambda b: b.replace(b"INS-001;INS-003", b"INS-002;INS-003"), "result.csv line 2"),
        ("result.csv", lambda b: b.replace(b"93310115MA00000002,B", b"92110105MA00000001,B"), "result.csv line 3"),
        ("pool.csv", lambda b: b.replace(b"91330106MA00000004,D", b"91330106MA00000004,C"), "pool.csv: sha256"),
        ("reveal.json", lambda b: b.replace(b"03 11 17", b"03 11 18"), "reveal.json: seed"),
        ("parameters.json", lambda b: b.replace(b'"team_size":2', b'"team_size":3'), "reveal.json: commitment"),
    ],
)
def test_it_reports_the_first_difference_in_a_tampered_file(tmp_path, name, edit, message):
    files = golden_published()
    files[name] = edit(files[name])
    write_published(tmp_path, files)
    completed = run_verifier(tmp_path)
    assert completed.returncode == 1
    assert completed.stdout.startswith("MISMATCH: " + message), completed.stdout


def test_it_agrees_with_the_standalone_script_on_a_larger_random_draw(tmp_path):
    rnd = random.Random(11)
    pool = [(f"9111{i:014d}", rnd.choice("ABCD")) for i in range(3000)]
    roster = [f"INS{i:04d}" for i in range(60)]
    exclusions = [(rnd.choice(roster), rnd.choice(pool)[0]) for _ in range(2000)]
    files = {
        algorithm.POOL_FILE: algorithm.pool_csv(pool),
        algorithm.ROSTER_FILE: algorithm.roster_csv(roster),
        algorithm.EXCLUSIONS_FILE: algorithm.exclusions_csv(exclusions),
    }
    secret = bytes(rnd.randrange(256) for _ in range(32))
    files[algorithm.PARAMETERS_FILE] = algorithm.parameters_document(
        plan="BIG-1", files=files, ratios={"A": "0.01", "B": "0.03", "C": "0.1", "D": "0.3"}, team_size=2,
        workload_cap=5, secret_hash=algorithm.sha256_hex(secret), entropy_source="test",
    )
    commitment = algorithm.commitment_of(files[algorithm.PARAMETERS_FILE])
    result = algorithm.run_draw_from_files(files, secret=secret, public_entropy="42")
    files[algorithm.REVEAL_FILE] = algorithm.reveal_document(
        commitment=commitment, secret=secret, public_entropy="42", seed=result.seed
    )
    files[algorithm.RESULT_FILE] = result.result_csv()
    write_published(tmp_path, files)
    completed = run_verifier(tmp_path)
    assert completed.returncode == 0, completed.stdout


def run_verifier_with(folder: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-I", "-S", str(VERIFIER), str(folder), *extra], capture_output=True, text=True, timeout=60
    )


def test_the_standalone_script_says_not_revealed_yet_for_a_committed_plan(tmp_path):
    write_published(tmp_path, golden_files())
    completed = run_verifier_with(tmp_path, GOLDEN_COMMITMENT)
    assert completed.returncode == 3, completed.stdout + completed.stderr
    assert completed.stdout.startswith(
        f"NOT REVEALED YET: parameters.json matches the commitment given {GOLDEN_COMMITMENT} and pool.csv, "
        "roster.csv and exclusions.csv match their sha256 in it")
    assert "MISMATCH" not in completed.stdout
    # Without the commitment it names the hash to compare with the plan page.
    assert run_verifier_with(tmp_path).stdout.startswith(f"NOT REVEALED YET: parameters.json has sha256 {GOLDEN_COMMITMENT}")
    # What can be checked is checked: another commitment, a changed frozen file, half a reveal.
    wrong = run_verifier_with(tmp_path, "0" * 64)
    assert wrong.returncode == 1 and wrong.stdout.startswith("MISMATCH: parameters.json: sha256")
    (tmp_path / "result.csv").write_bytes(GOLDEN_RESULT)
    half = run_verifier_with(tmp_path, GOLDEN_COMMITMENT)
    assert half.returncode == 1 and half.stdout.startswith("MISMATCH: reveal.json: missing")
    (tmp_path / "result.csv").unlink()
    (tmp_path / "pool.csv").write_bytes(golden_files()["pool.csv"] + b"91110000000000000X,A\n")
    changed = run_verifier_with(tmp_path, GOLDEN_COMMITMENT)
    assert changed.returncode == 1 and changed.stdout.startswith("MISMATCH: pool.csv: sha256")


def test_the_standalone_script_checks_a_revealed_draw_against_the_commitment_given(tmp_path):
    write_published(tmp_path, golden_published())
    assert run_verifier_with(tmp_path, GOLDEN_COMMITMENT).returncode == 0
    assert run_verifier_with(tmp_path, "1" * 64).returncode == 1


def test_the_entropy_time_is_an_extra_key_that_leaves_the_draw_unchanged():
    import datetime as dt

    files = golden_files()
    assert files[algorithm.PARAMETERS_FILE] == GOLDEN_DOCUMENT  # without it: the document of old plans
    beijing = dt.timezone(dt.timedelta(hours=8))
    with_time = algorithm.parameters_document(
        plan="TEST-2026-01", files=files, ratios=GOLDEN_RATIOS, team_size=2, workload_cap=2,
        secret_hash=algorithm.sha256_hex(GOLDEN_SECRET), entropy_source="Lottery X draw of 2026-11-27",
        entropy_available_at=dt.datetime(2026, 11, 27, 21, 30, 5, 123, tzinfo=beijing),
    )
    assert with_time == GOLDEN_DOCUMENT.replace(
        b'"entropy_source"', b'"entropy_available_at":"2026-11-27T13:30:05Z","entropy_source"')
    assert algorithm.canonical_json(json.loads(with_time)) == with_time
    # The draw reads the key only through the commitment (a new plan's seed), nothing else.
    files[algorithm.PARAMETERS_FILE] = with_time
    result = algorithm.run_draw_from_files(files, secret=GOLDEN_SECRET, public_entropy=GOLDEN_ENTROPY)
    seed = algorithm.seed_of(commitment=algorithm.commitment_of(with_time), secret=GOLDEN_SECRET,
                             public_entropy=GOLDEN_ENTROPY)
    assert result.seed == seed
    plain = algorithm.run_draw(seed=seed, pool=GOLDEN_POOL, roster=GOLDEN_ROSTER, exclusions=GOLDEN_EXCLUSIONS,
                               ratios=GOLDEN_RATIOS, team_size=2, workload_cap=2)
    assert result.result_csv() == plain.result_csv()
    with pytest.raises(algorithm.DrawInputError):
        algorithm.time_string(dt.datetime(2026, 11, 27, 21, 30))  # noqa: DTZ001 - naive on purpose
