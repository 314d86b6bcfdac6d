"""Name tokens for substring search on Chinese text.

Most Chinese searches are two to four characters, which pg_trgm cannot index. We keep
each name's character unigrams and bigrams; a query is answered by the candidates that
hold all of its bigrams (or its single character), then rechecked with a substring test.
"""

from __future__ import annotations

import re

_SPACE_RE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    return _SPACE_RE.sub("", (text or "")).lower()


def name_tokens(name: str) -> str:
    text = normalise_text(name)
    tokens = dict.fromkeys(text)
    tokens.update(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))
    return " ".join(tokens)


def query_tokens(query: str) -> list[str]:
    """The tokens every matching name must contain."""
    text = normalise_text(query)
    if len(text) <= 1:
        return [text] if text else []
    return list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))
