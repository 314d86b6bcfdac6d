"""Path converters shared by every app's URLs."""

from django.urls import register_converter

# The largest value of a PostgreSQL bigint (and of SQLite's integer): a longer id in an address
# would overflow the query instead of finding nothing.
MAX_ID = 2**63 - 1


class IdConverter:
    """A row id in a path: 1 to 19 ASCII digits, at most MAX_ID; anything else is no match (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
