import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from credit import uscc

VALID = ["91110000600037341L", "91110108551385082Q"]


@pytest.mark.parametrize("code", VALID)
def test_it_accepts_public_examples(code):
    assert uscc.validate(code) == code


def test_it_normalises_spaces_and_case():
    assert uscc.validate(" 9111 0108 5513 8508 2q ") == "91110108551385082Q"


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("9111010855138508", "length"),
        ("91110108551385082QX", "length"),
        ("9111010855138508IQ", "alphabet"),
        ("91110108551385O82Q", "alphabet"),
        ("Z1110108551385082Q", "alphabet"),
        ("B1110108551385082Q", "authority"),
        ("911A0108551385082Q", "division"),
        ("91110108551385082R", "check"),
    ],
)
def test_it_names_the_failed_rule(code, rule):
    with pytest.raises(uscc.USCCError) as exc:
        uscc.validate(code)
    assert exc.value.rule == rule


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_it_accepts_letter_authorities_that_stdnum_rejects(authority):
    code = uscc.build(authority, "1", "110108", "55138508")
    assert uscc.validate(code) == code


def test_organisation_check_matches_known_code():
    # 91110108551385082Q carries organisation code 55138508-2.
    assert uscc.organisation_check("55138508") == "2"


codes = st.builds(
    uscc.build,
    st.sampled_from(list(uscc.AUTHORITIES)),
    st.sampled_from(list("123459")),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=uscc.ALPHABET, min_size=8, max_size=8),
)


@given(codes)
def test_every_generated_code_is_valid(code):
    assert uscc.is_valid(code)


@given(codes, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=30))
def test_any_single_substitution_is_detected(code, position, shift):
    # Changing one character to another of the alphabet changes the weighted sum by
    # (delta * 3^i) mod 31, never 0 since 31 is prime and delta, 3^i are non-zero.
    replaced = uscc.ALPHABET[(uscc.VALUES[code[position]] + shift) % 31]
    tampered = code[:position] + replaced + code[position + 1 :]
    with pytest.raises(ValidationError):
        uscc.validate(tampered)
