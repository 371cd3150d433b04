"""The word index behind search: which documents hold which word, and each document's words.

Built for 100,000 items in a long-running UI, so it is kept small and out of the cyclic GC's
way (bytes and bytearrays are not GC-tracked; lists of arrays would be scanned at every full
collection, a stall of the event loop):

- every distinct surface word gets an id on first sight (1, 2, …; sentence breaks are 0);
- a word's postings are the ascending numbers of the documents holding it, three bytes
  each, in one ``bytearray`` per word (widened to an ``array`` by slicing when read);
- a document's words are its word ids as LEB128 varints (seven bits a byte: the frequent
  words, seen first, take one or two bytes) in one ``bytearray``, the "stream"; a phrase is
  first looked for there with one bytes regex per document.

In a varint every byte but the last of a number has its top bit set, so a regex that starts
a match only after a byte below 0x80 (or at the start) matches whole ids, never the tail of
one id and the head of the next.
"""

from __future__ import annotations

import re
import sys
import threading
from array import array
from collections.abc import Callable, Sequence

from monitor.models import Item, field_chars
from monitor.query import SENTENCE_BREAK_RE
from monitor.query.evaluate import Form
from monitor.wordforms import _TOKEN_RE
from monitor.wordforms import _form as word_form

__all__ = ["MAX_DOCS", "TextIndex", "decode", "encode", "numbers", "varint"]

_WORDS_AND_BREAKS_RE = re.compile(f"{_TOKEN_RE.pattern}|{SENTENCE_BREAK_RE.pattern}", re.IGNORECASE)
_findall = _WORDS_AND_BREAKS_RE.findall
_is_break = SENTENCE_BREAK_RE.match
_NO_FORM: Form = (frozenset(), None)
_ALIGNED = rb"(?<![\x80-\xff])"  # a match starts at an id's first byte
_DOC_BYTES = 3  # a doc number in postings
MAX_DOCS = 1 << 8 * _DOC_BYTES  # 16.7 million; SearchIndex.build starts afresh before that


def varint(n: int) -> bytes:
    """``n`` (>= 0) as LEB128: seven bits a byte, low first, the top bit on all but the last."""
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def encode(numbers: Sequence[int]) -> bytes:
    return b"".join(map(varint, numbers))


def decode(data: bytes | bytearray) -> list[int]:
    """The numbers of a run of varints."""
    out: list[int] = []
    append = out.append
    value = shift = 0
    for byte in data:
        if byte < 0x80:
            append(value | byte << shift)
            value = shift = 0
        else:
            value |= (byte & 0x7F) << shift
            shift += 7
    return out


def numbers(data: bytes | bytearray) -> array[int]:
    """Three-byte little-endian numbers as an array, widened by slicing (no Python loop)."""
    n = len(data) // _DOC_BYTES
    wide = bytearray(4 * n)
    for k in range(_DOC_BYTES):
        wide[k::4] = data[k::_DOC_BYTES]
    out = array("I", bytes(wide))
    if sys.byteorder == "big":
        out.byteswap()
    return out


class _Vocabulary(dict[str, int]):
    """Surface word -> id (from 1), handing out the next id on first sight; breaks -> 0."""

    def __missing__(self, word: str) -> int:
        n = 0 if _is_break(word) else len(self) + 1
        self[word] = n
        return n


class TextIndex:
    """Postings of word ids over documents numbered as first seen; it grows, never rebuilt.

    One per UI session: each new history snapshot adds only the items it has not seen (by
    id and text lengths), so a poll of 500 new items costs 500 items, not 100,000. Every
    new word is analysed as it is added (in the view worker, never on the event loop).
    The lock keeps a search on the UI thread from reading a half-added chunk.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.vocab = _Vocabulary()
        self.words: list[str] = [""]  # word id -> surface word (id 0: a sentence break)
        self.codes: list[bytes] = [b"\x00"]  # word id -> its varint
        self.by_form: dict[str, tuple[int, ...]] = {}  # normal form -> word ids
        self.postings: list[bytearray] = [bytearray()]  # word id -> its docs, 3 bytes each
        self.stream = bytearray()  # every doc's word ids as varints, 0 at sentence breaks
        self.offsets: array[int] = array("Q", [0])  # doc d is stream[offsets[d]:offsets[d+1]]
        self.doc_of: dict[str, int] = {}  # item id -> its latest doc
        self.sizes: array[int] = array("Q")  # doc -> its text lengths (see _sizes)

    @property
    def docs(self) -> int:
        return len(self.offsets) - 1

    @property
    def tokens(self) -> int:
        """How many words and breaks the stream holds (one pass; for reports)."""
        return sum(1 for byte in self.stream if byte < 0x80)

    def add(
        self,
        items: Sequence[Item],
        *,
        chunk: int = 128,
        pause: Callable[[], None] | None = None,
    ) -> array[int]:
        """The doc number of every item, indexing those not seen yet (in locked chunks).

        Title, summary and text are joined by line breaks, which end sentences, so no phrase
        runs from one field into the next, exactly as the evaluator keeps fields apart.
        ``pause()`` is called between chunks, outside the lock (the UI's
        :class:`monitor.pace.Pace`: the indexing thread gives way while a poll runs).
        """
        doc_of, sizes = self.doc_of, self.sizes
        docs: array[int] = array("I", [0]) * len(items)
        fresh: list[int] = []
        for n, it in enumerate(items):
            if pause is not None and not n & 0x3FF:
                pause()
            doc = doc_of.get(it.id)
            if doc is None or sizes[doc] != _sizes(it):  # new, or its text changed
                fresh.append(n)
            else:
                docs[n] = doc
        for start in range(0, len(fresh), chunk):
            if pause is not None:
                pause()
            with self.lock:
                for n in fresh[start : start + chunk]:
                    item = items[n]
                    doc_of[item.id] = docs[n] = self._add(item)
                    sizes.append(_sizes(item))
        return docs

    def _add(self, item: Item) -> int:
        doc = self.docs
        text = item.text
        vocab = self.vocab
        known = len(self.words)
        tokens = _findall(
            f"{item.title}\n{item.summary}\n{text}" if text else f"{item.title}\n{item.summary}"
        )
        ids = list(map(vocab.__getitem__, tokens))
        if len(vocab) >= known:  # words never seen before: analyse them now
            self._new_words(known, {w: t for t, w in zip(tokens, ids, strict=True) if w >= known})
        self.stream += b"".join(map(self.codes.__getitem__, ids))
        self.offsets.append(len(self.stream))
        postings = self.postings
        number = doc.to_bytes(_DOC_BYTES, "little")
        for w in set(ids):
            if w:
                postings[w] += number
        return doc

    def _new_words(self, base: int, fresh: dict[int, str]) -> None:
        """Entries for the ids from ``base`` on (``fresh``: id -> word); an id a new break
        used up stays an empty word."""
        by_form = self.by_form
        for n in range(base, len(self.vocab) + 1):
            word = fresh.get(n, "")
            self.words.append(word)
            self.codes.append(varint(n))
            self.postings.append(bytearray())
            for f in word_form(word)[0] if word else ():
                by_form[f] = (*by_form.get(f, ()), n)

    def forms_of(self, wid: int) -> Form:
        """The normal forms and shape of word ``wid`` (the evaluator's ``forms_of``)."""
        return word_form(self.words[wid]) if wid else _NO_FORM

    def word_ids(self, forms: frozenset[str]) -> set[int]:
        """Every word id sharing a normal form with ``forms``."""
        by_form = self.by_form
        return {wid for f in forms for wid in by_form.get(f, ())}

    def docs_of(self, wid: int) -> array[int]:
        """The docs holding word ``wid``, ascending."""
        return numbers(self.postings[wid])

    def words_of(self, doc: int) -> tuple[list[int], list[int]]:
        """Doc ``doc``'s word ids and their sentence numbers."""
        ids = decode(self.stream[self.offsets[doc] : self.offsets[doc + 1]])
        words: list[int] = []
        sentences: list[int] = []
        sentence = 0
        for wid in ids:
            if wid:
                words.append(wid)
                sentences.append(sentence)
            else:
                sentence += 1
        return words, sentences

    def phrase_finder(self, alternatives: list[list[int]]) -> re.Pattern[bytes]:
        """A regex over a doc's stream bytes finding one of ``alternatives[0]``'s ids, then
        one of ``alternatives[1]``'s right after, and so on (whole ids only)."""
        parts = [
            b"(?:" + b"|".join(re.escape(varint(w)) for w in wids) + b")" for wids in alternatives
        ]
        return re.compile(_ALIGNED + b"".join(parts), re.DOTALL)

    def doc_bytes(self, doc: int) -> bytes:
        return bytes(self.stream[self.offsets[doc] : self.offsets[doc + 1]])


def _sizes(item: Item) -> int:
    """The lengths of an item's title, summary and text in one number: a changed text (an
    article fetched later) makes the item a new doc. 20 bits each; longer texts wrap, which
    at worst misses a change of exactly 2**20 characters."""
    mask = (1 << 20) - 1
    summary, text = field_chars(item, "summary"), field_chars(item, "text")  # (not read from disk)
    return (len(item.title) & mask) << 40 | (summary & mask) << 20 | text & mask
