"""Unified Social Credit Code (GB 32100-2015): normalisation, validation, generation.

python-stdnum checks the mod-31 check character but rejects codes whose first
character (the registration authority) is a letter; A, N and Y are real authorities
(central military commission, agriculture, other), so they are handled here.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]
AUTHORITIES = "123456789ANY"
LENGTH = 18

# Spaces (any kind, after NFKC also the ideographic space) and hyphens or dashes of any width.
_NORMALISE_RE = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff70]+")


_STORED_FORM = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def is_stored_form(code: str) -> bool:
    """Whether `code` is written as the codes are stored (normalise gives it unchanged and it
    has 18 characters of the alphabet): only such a code names a file as given; anything else
    (lower case, a NUL byte from the address) is never sent to the database to find one."""
    return _STORED_FORM.fullmatch(code) is not None


def normalise(code: str) -> str:
    """The one normalisation of typed or pasted codes (search, addresses, staff forms):
    full-width characters become their ASCII forms (NFKC), spaces and hyphens are
    dropped, letters are upper-cased; the code is always a string."""
    return _NORMALISE_RE.sub("", unicodedata.normalize("NFKC", str(code or ""))).upper()


def looks_like_code(value: str) -> bool:
    """A normalised input meant as a code rather than a name: ASCII letters and digits with at
    least one digit, 17 to 19 characters long (one too few or too many gets the length rule)."""
    return (
        LENGTH - 1 <= len(value) <= LENGTH + 1
        and value.isascii() and value.isalnum() and any(c.isdigit() for c in value)
    )


def could_start_code(value: str, *, min_length: int = 2) -> bool:
    """A normalised input that may be the first characters of a code (for a prefix search):
    `min_length` to 18 characters of the code alphabet, starting with a registration authority,
    with a digit. The staff picker takes 2 characters; the public search 8 (the authority, the
    category and the division: credit.selectors.search.USCC_PREFIX_MIN_LENGTH)."""
    return (
        min_length <= len(value) <= LENGTH and value[0] in AUTHORITIES
        and all(ch in VALUES for ch in value) and any(ch.isdigit() for ch in value)
    )


def check_character(first17: str) -> str:
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check(org8: str) -> str:
    """GB 11714 check character for positions 9-17 (8 characters in, 1 out)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(ch, 36) * w for ch, w in zip(org8, weights, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


class USCCError(ValidationError):
    """A ValidationError whose `rule` names which rule failed."""

    def __init__(self, message, rule: str, params=None):
        super().__init__(message, code=f"uscc_{rule}", params=params)
        self.rule = rule


def validate(code: str) -> str:
    """Return the normalised code or raise USCCError naming the failed rule."""
    value = normalise(code)
    if len(value) != LENGTH:
        raise USCCError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            rule="length",
            params={"count": len(value)},
        )
    bad = sorted({ch for ch in value if ch not in VALUES})
    if bad:
        raise USCCError(
            _("Characters %(chars)s are not allowed: a code uses only digits and the letters "
              "A-Y without I, O, S, V and Z."),
            rule="alphabet",
            params={"chars": ", ".join(bad)},
        )
    if value[0] not in AUTHORITIES:
        raise USCCError(
            _("The first character (registration authority) must be 1-9, A, N or Y, not %(char)s."),
            rule="authority",
            params={"char": value[0]},
        )
    if not value[2:8].isdigit():
        raise USCCError(
            _("Characters 3 to 8 must be the six-digit administrative division code."),
            rule="division",
        )
    expected = check_character(value[:17])
    if value[17] != expected:
        raise USCCError(
            _("The check character (the 18th) does not match: the code has %(found)s, "
              "the first 17 characters give %(expected)s."),
            rule="check",
            params={"found": value[17], "expected": expected},
        )
    if value[0] not in "ANY":
        # Cross-check with the maintained implementation for the common case.
        try:
            stdnum_uscc.validate(value)
        except StdnumError as exc:  # pragma: no cover - our checks above are a superset
            raise USCCError(str(exc), rule="check") from exc
    return value


def is_valid(code: str) -> bool:
    try:
        validate(code)
    except ValidationError:
        return False
    return True


def build(authority: str, category: str, division: str, org_base8: str) -> str:
    """Assemble a valid code from its parts (the organisation code's own check included)."""
    org = org_base8 + organisation_check(org_base8)
    first17 = f"{authority}{category}{division}{org}"
    return first17 + check_character(first17)


def validator(value: str) -> None:
    """Django field validator."""
    validate(value)
