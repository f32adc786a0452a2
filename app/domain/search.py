"""Text search that works for Chinese: the index and the query share one tokenizer.

Chinese has no spaces between words and most place words are two characters
(停车, 体育, 会议), which a trigram index cannot match. So each run of CJK
characters is indexed as its single characters and its overlapping pairs
(bigrams, as Lucene's CJK analyzer does), and other text as lower-cased words.
A query matches when every one of its tokens is in the index: 停车 is one
bigram; 停车场 needs 停车 and 车场. The last Latin word of a query also matches
as a prefix, so "LZ-D" finds LZ-DB-01 while typing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
MAX_QUERY_TOKENS = 16


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text or "").lower()
    tokens: list[str] = []
    for run in _TOKEN_RE.findall(text):
        if run[0].isascii():
            tokens.append(run)
        else:
            tokens.extend(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def index_text(*texts: str) -> str:
    """The space-separated tokens to store for a document made of these texts."""
    seen: dict[str, None] = {}
    for text in texts:
        for token in _tokens(text):
            seen.setdefault(token, None)
    return " ".join(seen)


@dataclass(frozen=True)
class SearchQuery:
    """Tokens every match must contain; `prefix` marks the last Latin word as a prefix."""

    tokens: tuple[str, ...]
    prefix: bool

    def __bool__(self) -> bool:
        return bool(self.tokens)

    def fts5(self) -> str:
        """An FTS5 MATCH expression (tokens are CJK or [0-9a-z] only, so quoting is safe)."""
        parts = [f'"{token}"' for token in self.tokens]
        if self.prefix:
            parts[-1] += "*"
        return " AND ".join(parts)

    def tsquery(self) -> str:
        """A PostgreSQL to_tsquery('simple', ...) expression."""
        parts = [f"'{token}'" for token in self.tokens]
        if self.prefix:
            parts[-1] += ":*"
        return " & ".join(parts)


def parse_query(text: str) -> SearchQuery:
    """What a searcher typed, as the tokens to look up."""
    normalised = unicodedata.normalize("NFKC", text or "").lower()
    runs = _TOKEN_RE.findall(normalised)
    tokens: list[str] = []
    for run in runs:
        if run[0].isascii() or len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    unique = tuple(dict.fromkeys(tokens))[:MAX_QUERY_TOKENS]
    # A trailing space means the last word is finished: no prefix match then.
    prefix = bool(runs) and runs[-1][0].isascii() and normalised == normalised.rstrip()
    return SearchQuery(unique, prefix and bool(unique) and unique[-1] == runs[-1])
