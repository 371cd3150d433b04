"""What an item says, for story grouping: significant words, names, numbers, anchors.

Words are normalised by :func:`monitor.match.normalise_token` (Ukrainian lemmas, English
stems), never re-analysed here. Everything is computed once per item (:func:`features`) and
cached per surface word, so indexing a poll's items costs about a dictionary lookup a word.
The pair rules that keep near misses apart (:func:`conflict`) live here too: they look only
at two items' features. Names across scripts are in :mod:`monitor.stories.names`, numbers with
units in :mod:`monitor.stories.quantities`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from monitor.match import normalise_token
from monitor.models import Item
from monitor.stories.names import common_skeletons, name_skeletons
from monitor.stories.quantities import CURRENCY, NUM_UNIT, number_value, unit_id
from monitor.text import one_line
from monitor.wordforms import words_of

_EN_STOP = frozenset(
    """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers him his how i if in into is it its itself just last least like
made make many may me might more most much must my new no nor not now of off on once only or
other our out over own per same say said says she should since so some still such than that the
their them then there these they this those through to too under until up upon very via was we
were what when where which while who whom why will with within without would you your amid
according reported reports report week day today yesterday tomorrow year years time times first
one two three four five six seven eight nine ten mln bn
""".split()
)
_UK_STOP = frozenset(
    """
а аби або але б би без би біля більш більше був буде будуть була були було бути в вже ви від
відбувся вона вони воно все всі вся все-таки де для до досі дуже є ж з за зараз зі із й його
її їх іх і коли крім лише має мають ми мене мені між може можуть на над навіть наш не ней ні
нього них ну о об один одна одне однак поки по при після про проти раніше ресурс рік році року
саме свій свого своє своєї своїх себе сказав сказала сьогодні та так також там те тим тих тільки
то тому той тощо у усі хоча це цей ці цього цієї час через чи що щоб як яка яке який які якщо
заявив заявила повідомив повідомила повідомляє зазначив зазначила каже вчора завтра понад
близько млн млрд тис
""".split()
)
_NUMBER_TOKEN = re.compile(r"\d")
_CYRILLIC_LETTERS = re.compile(r"[а-яёіїєґА-ЯЁІЇЄҐ]+")
_LATIN_LETTERS = re.compile(r"[a-zA-Z]+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s")
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|yclid|msclkid|mc_cid|mc_eid|igshid|_ga|_gl|ref|ref_src|"
    r"spm|cmpid|at_medium|at_campaign|rss|from)$",
    re.IGNORECASE,
)
_TITLE_NOISE = re.compile(r"[^\w\s]+", re.UNICODE)
# A URL with nothing for canonical_url to drop but case, "www." and a trailing "/": no query,
# fragment, port, user or characters urlsplit would strip or refuse.
_PLAIN_URL = re.compile(r"(?i:(https?))://([A-Za-z0-9.-]+)(/[!$&'()*+,\-./0-9:;=@A-Z_a-z~%]*)?\Z")


def _language(text: str) -> str:
    """ "uk" when at least half the letters are Cyrillic, else "en"."""
    cyrillic = sum(map(len, _CYRILLIC_LETTERS.findall(text)))  # runs: one string a word
    latin = sum(map(len, _LATIN_LETTERS.findall(text)))
    return "uk" if cyrillic and cyrillic >= latin else "en"


def canonical_url(url: str) -> str | None:
    """The URL without fragment, tracking parameters, ``www.``, default port or trailing ``/``."""
    plain = _PLAIN_URL.match(url or "")
    if plain is not None:  # most links: what the general path below would make of them
        host = plain[2].lower().removeprefix("www.")
        if host:
            return f"https://{host}{(plain[3] or '').rstrip('/')}"
    return parsed_canonical_url(url)


def parsed_canonical_url(url: str) -> str | None:
    """:func:`canonical_url` by parsing the URL: any URL (its fast path must agree)."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    path = parts.path.rstrip("/") or ""
    return urlunsplit(("https", host, path, urlencode(sorted(query)), ""))


def title_key(title: str) -> str | None:
    words = _TITLE_NOISE.sub(" ", one_line(title).casefold()).split()
    return " ".join(words) if len(words) >= 4 else None


@dataclass(frozen=True, slots=True)
class Features:
    language: str
    words: tuple[frozenset[str], ...]  # each significant word's normal forms (title and lead)
    n_title: int  # the first n_title of words are the title's
    numbers: frozenset[str]  # bare numbers in the title (for the veto only)
    lead_numbers: frozenset[str]  # and in the lead
    names: tuple[frozenset[str], ...]  # the title's capitalised words (not the first)
    # Sets only ever looked through (isdisjoint, iteration) are tuples: 216 bytes less each.
    context: tuple[str, ...]  # forms of every capitalised word of title and lead
    quantities: frozenset[str]  # "40|drone", "1.5|e9" in title and lead
    name_skeletons: tuple[str, ...]  # title and lead, for cross-language anchors
    tags: frozenset[str]  # the watchlists that tagged the item

    def keys(self) -> frozenset[str]:
        return frozenset().union(*self.words) if self.words else frozenset()


def _lead(summary: str) -> str:
    """The summary's first sentence (at most LEAD_CHARS, whole words): where a story is
    restated, names and figures included."""
    text = _SENTENCE_END.split(one_line(summary[: 2 * LEAD_CHARS]), 1)[0]
    return text if len(text) <= LEAD_CHARS else text[:LEAD_CHARS].rsplit(" ", 1)[0]


LEAD_CHARS = 160
_significant_cache: dict[str, frozenset[str] | None] = {}
_CACHE_LIMIT = 200_000


def _significant(word: str) -> frozenset[str] | None:
    """The normal forms of a word that can link stories; None for stop words and tokens with
    a digit (cached)."""
    try:
        return _significant_cache[word]
    except KeyError:
        pass
    if len(_significant_cache) >= _CACHE_LIMIT:
        _significant_cache.clear()
    forms = _significant_cache[word] = _analyse(word)
    return forms


def _analyse(word: str) -> frozenset[str] | None:
    if _NUMBER_TOKEN.search(word):
        return None  # numbers are compared as numbers, never as words
    lower = word.lower()
    if len(lower) < 2 or lower in _EN_STOP or lower in _UK_STOP:
        return None
    forms = normalise_token(word)
    if not forms.isdisjoint(_UK_STOP) or not forms.isdisjoint(_EN_STOP):
        return None
    return forms


def features(item: Item) -> Features:
    """What linking looks at, computed once per item."""
    title = one_line(item.title)
    lead = _lead(item.summary)
    language = _language(title)
    title_tokens = words_of(title)
    lead_tokens = words_of(lead)
    capitals = sum(1 for w in title_tokens if w[:1].isupper())
    title_case = capitals > 0.7 * max(1, len(title_tokens)) and len(title_tokens) > 3
    words: dict[frozenset[str], None] = {}
    numbers: set[str] = set()
    lead_numbers: set[str] = set()
    names: dict[frozenset[str], None] = {}
    context: set[str] = set()
    midsentence: set[str] = set()  # capitalised where a sentence does not start: a name
    skeletons: set[str] = set()  # of every capitalised significant word, title and lead
    first: frozenset[str] | None = None
    n_title = 0
    cache = _significant_cache
    for part, tokens in ((0, title_tokens), (1, lead_tokens)):
        for index, word in enumerate(tokens):
            try:
                forms = cache[word]
            except KeyError:
                forms = _significant(word)
            if forms is None:
                continue
            words[forms] = None
            if not part:
                n_title = len(words)
            if word[:1].isupper():
                context.update(forms)
                if forms:
                    skeletons.update(name_skeletons(word))
                if index and (not title_case or word.isupper()):
                    midsentence.update(forms)
                    if not part:
                        names[forms] = None
                elif not part and not index:
                    first = forms
    if first is not None and not first.isdisjoint(midsentence):
        names[first] = None  # "Netherlands announces …", as "The Netherlands will …" shows
    quantities: set[str] = set()
    for text in (title, lead):
        if not _NUMBER_TOKEN.search(text):
            continue
        lang = _language(text) if text is lead else language
        for m in NUM_UNIT.finditer(text):
            value = number_value(m[2], m[3], lang)
            if value is None:
                continue
            (numbers if text is title else lead_numbers).add(value)
            unit = unit_id(m[4], lang)
            if unit:
                quantities.add(f"{value}|{unit}")
            if m[1]:
                quantities.add(f"{value}|{CURRENCY[m[1]]}")
    skeletons -= common_skeletons()
    return Features(
        language=language,
        words=tuple(words),
        n_title=n_title,
        numbers=_frozen(numbers),
        lead_numbers=_frozen(lead_numbers | numbers),
        names=tuple(names),
        context=tuple(context),
        quantities=_frozen(quantities),
        name_skeletons=tuple(skeletons),
        tags=_tag_set(item.tags),
    )


_EMPTY: frozenset[str] = frozenset()
_tag_sets: dict[frozenset[str], frozenset[str]] = {}


def _frozen(values: set[str]) -> frozenset[str]:
    """``values`` frozen; one shared empty set (most items have no numbers, and an empty
    frozenset takes 216 bytes: an index of 100k items kept about 100 MB of them)."""
    return frozenset(values) if values else _EMPTY


def _tag_set(tags: Iterable[str]) -> frozenset[str]:
    """The watchlists of an item, one shared set per combination (there are few)."""
    key = frozenset(tags)
    if not key:
        return _EMPTY
    found = _tag_sets.get(key)
    if found is None:
        if len(_tag_sets) >= _CACHE_LIMIT:
            _tag_sets.clear()
        found = _tag_sets[key] = key
    return found


def anchors(f: Features) -> set[str]:
    return (
        {f"w:{t}" for t in f.tags}
        | {f"n:{s}" for s in f.name_skeletons}
        | {f"q:{q}" for q in f.quantities}
    )


def named(shared: set[str]) -> bool:
    """Whether shared anchors are enough across languages: a name (a person, a place, by its
    skeleton) and another anchor, or two names. A watchlist or an acronym is a topic, not a
    story, and a number is a coincidence: together they never link (numbers alone never do)."""
    names = sum(1 for a in shared if a.startswith("n:") and not a.startswith("n:="))
    return names >= 2 or (names == 1 and len(shared) >= 2)


def conflict(a: Features, b: Features) -> bool:
    """Two items that must not be one story, whatever else they share."""
    if _numbers_conflict(a, b) or _quantities_conflict(a.quantities, b.quantities):
        return True
    # A name in each title that the other item never mentions: another place or person.
    return a.language == b.language and (
        any(n.isdisjoint(b.context) for n in a.names)
        and any(n.isdisjoint(a.context) for n in b.names)
    )


def _numbers_conflict(a: Features, b: Features) -> bool:
    """Different numbers: in the titles, or (two or more each) in title and lead."""
    if a.numbers and b.numbers and a.numbers.isdisjoint(b.numbers):
        return True
    both = len(a.lead_numbers) >= 2 and len(b.lead_numbers) >= 2
    return both and a.lead_numbers.isdisjoint(b.lead_numbers)


def _quantities_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both give a number with the same unit, and never the same one."""
    if not a or not b:
        return False
    units_a: dict[str, set[str]] = {}
    for q in a:
        value, unit = q.split("|")
        units_a.setdefault(unit, set()).add(value)
    units_b: dict[str, set[str]] = {}
    for q in b:
        value, unit = q.split("|")
        units_b.setdefault(unit, set()).add(value)
    return any(unit in units_b and units_a[unit].isdisjoint(units_b[unit]) for unit in units_a)
