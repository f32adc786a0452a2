"""The tokenizer shared by the search index and the query."""

import pytest

from app.domain.search import index_text, parse_query


def matches(document: str, query: str) -> bool:
    indexed = set(index_text(document).split())
    parsed = parse_query(query)
    if not parsed:
        return False
    *whole, last = parsed.tokens
    last_found = any(t.startswith(last) for t in indexed) if parsed.prefix else last in indexed
    return all(t in indexed for t in whole) and last_found


@pytest.mark.parametrize(
    ("document", "query", "found"),
    [
        pytest.param("东坝社区公共停车场", "停车", True, id="a two-character word inside a name"),
        pytest.param("一中体育场", "体育", True, id="体育 finds the stadium"),
        pytest.param("东坝社区公共停车场", "停车场", True, id="three characters need both pairs"),
        pytest.param("东坝社区公共停车场", "场", True, id="one character"),
        pytest.param("东坝社区公共停车场", "车停", False, id="characters in the wrong order do not match"),
        pytest.param("东坝社区公共停车场", "体育", False, id="another word does not match"),
        pytest.param("LZ-DB-01-P1 parking", "lz-db-01", True, id="codes match by their parts"),
        pytest.param("LZ-DB-01-P1 parking", "LZ-D", True, id="the last Latin word matches as a prefix"),
        pytest.param("LZ-DB-01-P1 parking", "park ", False, id="a finished word is not a prefix"),
        pytest.param("Ｌｚ　体育馆", "lz 体育", True, id="full-width letters are folded"),
    ],
)
def test_query_matches_the_index(document, query, found):
    assert matches(document, query) is found


def test_an_empty_or_symbol_only_query_asks_for_nothing():
    assert not parse_query("")
    assert not parse_query("  %_*'\"  ")


def test_query_expressions_quote_every_token():
    parsed = parse_query('停车场 "drop')
    assert parsed.fts5() == '"停车" AND "车场" AND "drop"*'
    assert parsed.tsquery() == "'停车' & '车场' & 'drop':*"


def test_queries_are_bounded():
    assert len(parse_query("停车" * 100).tokens) <= 16
