"""The word index's compact storage: varint streams, three-byte postings, whole-id phrases."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from monitor.models import Item
from monitor.query import parse_query
from monitor.search import SearchIndex
from monitor.word_index import TextIndex, decode, encode, numbers, varint

NOW = datetime(2025, 10, 6, 12, 0, tzinfo=timezone.utc)


@given(st.lists(st.integers(min_value=0, max_value=2**32 - 1)))
def test_varints_decode_to_the_numbers_encoded(values: list[int]) -> None:
    assert decode(encode(values)) == values


@given(st.lists(st.integers(min_value=0, max_value=2**24 - 1)))
def test_three_byte_numbers_widen_to_the_same_numbers(values: list[int]) -> None:
    data = b"".join(v.to_bytes(3, "little") for v in values)
    assert list(numbers(data)) == values


def test_a_phrase_is_found_only_on_whole_word_ids() -> None:
    """Id 133 is the bytes 85 01, whose tail is id 1's varint: "1 then 5" must not be found in
    "133 then 5", though the bytes 01 05 are there."""
    index = TextIndex()
    assert varint(133) == b"\x85\x01" and varint(1) == b"\x01"
    finder = index.phrase_finder([[1], [5]])
    assert finder.search(varint(133) + varint(5)) is None
    assert finder.search(varint(7) + varint(1) + varint(5)) is not None
    assert finder.search(varint(1) + varint(5)) is not None


def _item(n: int, title: str) -> Item:
    return Item(
        id=f"i{n}", feed="F", title=title, link="", summary="", published=NOW, first_seen=NOW
    )


def test_many_docs_and_words_are_found_by_word_and_phrase() -> None:
    """Past 256 docs (doc numbers take more than a byte) and past 16,384 words (word ids take
    three varint bytes), every word and phrase is still found where it is."""
    items = [_item(n, f"w{n}a w{n}b w{n}c common words here") for n in range(6000)]
    items[0] = _item(0, "rare start common")
    items[5999] = _item(5999, "rare end common")
    index = SearchIndex.build(items)
    assert len(index.text.words) > 16_384
    assert index.search(parse_query("rare")) == [0, 5999]
    assert index.search(parse_query('"w4321b w4321c"')) == [4321]
    assert index.search(parse_query('"w4321c w4321b"')) == []
    assert index.search(parse_query('"words here"')) == list(range(1, 5999))
    assert len(index.search(parse_query("common"))) == 6000
