"""The story index: items by words and anchors in time buckets, linked by union-find.

See :mod:`monitor.stories` for the rules. Two union-find forests are kept: *strong* links
(same URL or title, same-language words) and all links (plus the cross-language *possible*
ones); a story is a set of the second, a strand (what "read" applies to) one of the first.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain

from monitor.models import Item
from monitor.stories.features import (
    Features,
    anchors,
    canonical_url,
    conflict,
    features,
    named,
    title_key,
)

TOPIC_WORDS = 2  # title words only one side mentions, on each side, that make two stories
TITLE_WORDS_SHARED = 2  # rare title words an indexed item must share to be compared
MAX_CANDIDATES = 12  # items compared with a new one, per kind of evidence, most shared first
CROWDED = 32  # a word in more items than this around an item's time is not looked up
CONFLICT_CHECKS = 24  # newest members of each story compared before two stories join
TITLE_WINDOW = 12 * 3600.0  # the same title further apart is a recurring one ("Losses of the day")


@dataclass(frozen=True, slots=True)
class StorySettings:
    """The thresholds (``[settings] story_window``, ``story_min_words``, ``story_similarity``)."""

    window: float = 120 * 3600.0  # seconds between two items of one story, at most
    min_words: int = 3  # significant title words two same-language items must share
    similarity: float = 0.5  # the weighted share of the pair's words that must be shared
    min_anchors: int = 2  # across languages (fixed: one anchor is chance)

    @classmethod
    def from_settings(cls, settings: object) -> StorySettings:
        default = cls()  # with slots, cls.window is the slot descriptor, not the default
        return cls(
            window=float(getattr(settings, "story_window", default.window)),
            min_words=int(getattr(settings, "story_min_words", default.min_words)),
            similarity=float(getattr(settings, "story_similarity", default.similarity)),
        )


@dataclass(frozen=True, slots=True)
class Story:
    """Items that report the same news, oldest first."""

    id: str
    items: tuple[str, ...]  # item ids
    feeds: tuple[str, ...]  # the outlets carrying it, in the order they did
    possible: bool  # some items joined only by a cross-language ("possible") link

    @property
    def outlets(self) -> int:
        return len(self.feeds)


def singleton_story_id(item_id: str) -> str:
    """The story id of an item alone (and of a story whose first item it is)."""
    return "s" + hashlib.blake2b(item_id.encode("utf-8"), digest_size=6).hexdigest()


@dataclass(slots=True)
class _Entry:
    id: str
    feed: str
    stamp: float
    features: Features
    title: str | None  # the normalised title, when long enough to link by


class _Sets:
    """Union-find over entry slots; the root of a set is its earliest entry."""

    def __init__(self) -> None:
        self.parent = array("q")  # 8 bytes a slot (a list of ints: 36)
        self.members: dict[int, list[int]] = {}  # root -> its slots (sets of two or more)

    def add(self) -> None:
        self.parent.append(len(self.parent))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def slots(self, x: int) -> list[int]:
        root = self.find(x)
        return self.members.get(root, [root])

    def union(self, a: int, b: int, earlier: Sequence[float]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if (earlier[rb], rb) < (earlier[ra], ra):
            ra, rb = rb, ra
        self.parent[rb] = ra
        merged = self.members.pop(ra, [ra])
        merged.extend(self.members.pop(rb, [rb]))
        self.members[ra] = merged


@dataclass
class StoryIndex:
    """Items indexed by their words and anchors, in time buckets one window wide."""

    settings: StorySettings = field(default_factory=StorySettings)
    _entries: list[_Entry] = field(default_factory=list)
    _slot: dict[str, int] = field(default_factory=dict)
    _stamps: array[float] = field(default_factory=lambda: array("d"))
    # word forms and anchors -> time bucket -> slots
    _postings: dict[str, dict[int, list[int]]] = field(default_factory=dict)
    # normalised title -> its slot, or its slots when several items have it (titles are
    # nearly all unique: a bucket dict and a list for each cost ~400 bytes an item)
    _titles: dict[str, int | list[int]] = field(default_factory=dict)
    _df: Counter[str] = field(default_factory=Counter)
    _urls: dict[str, int] = field(default_factory=dict)
    _strong: _Sets = field(default_factory=_Sets)
    _all: _Sets = field(default_factory=_Sets)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._slot

    def add(self, items: Iterable[Item], *, pause: Callable[[], None] | None = None) -> list[str]:
        """Index new items (ones already indexed are skipped); returns the ids added.
        ``pause()`` is called before each item (the UI's :class:`monitor.pace.Pace`)."""
        added = []
        for item in sorted(items, key=lambda i: i.time):
            if item.id in self._slot:
                continue
            if pause is not None:
                pause()
            self._add(item)
            added.append(item.id)
        return added

    def _bucket(self, stamp: float) -> int:
        return int(stamp // self.settings.window)

    def _add(self, item: Item) -> None:
        feats = features(item)
        stamp = item.time.timestamp()
        slot = len(self._entries)
        title = title_key(item.title)
        entry = _Entry(item.id, item.feed, stamp, feats, title)
        self._entries.append(entry)
        self._slot[item.id] = slot
        self._stamps.append(stamp)
        self._strong.add()
        self._all.add()
        url = canonical_url(item.link)
        if url is not None:
            other = self._urls.setdefault(url, slot)
            if other != slot:
                self._link(slot, other, strong=True)
        own_keys = feats.keys()
        anchor_keys = [f"@{a}" for a in anchors(feats)]
        self._df.update(own_keys)
        title_words = feats.words[: feats.n_title]
        weights: dict[frozenset[str], float] = {}
        for other in self._candidates(slot, title_words, anchor_keys, title):
            if title is not None and self._entries[other].title == title:
                if abs(self._stamps[other] - stamp) <= TITLE_WINDOW:
                    self._link(slot, other, strong=True)
                continue
            link = self._compare(entry, self._entries[other], own_keys, weights)
            if link is not None and not self._stories_conflict(slot, other):
                self._link(slot, other, strong=link)
        bucket = self._bucket(stamp)
        postings = self._postings
        # Looked up by title words only (a story's items share those); lead words weigh in
        # when two items are compared.
        for key in [*frozenset().union(*title_words), *anchor_keys]:
            buckets = postings.get(key)
            if buckets is None:
                postings[key] = {bucket: [slot]}
            elif bucket in buckets:
                buckets[bucket].append(slot)
            else:
                buckets[bucket] = [slot]
        if title is not None:
            same = self._titles.setdefault(title, slot)
            if isinstance(same, list):
                same.append(slot)
            elif same != slot:
                self._titles[title] = [same, slot]

    def _count(self, groups: Iterable[Iterable[str]], bucket: int, need: int) -> list[int]:
        """Items near ``bucket`` sharing at least ``need`` of the key groups (a group: one
        word's forms, or one anchor). A group found in more than CROWDED nearby items is not
        looked up (that is what keeps a poll's grouping fast) but counts as possibly shared;
        at least two groups (or ``need``, if less) must really be shared."""
        counted: list[list[int]] = []
        crowded = 0
        postings = self._postings
        near = (bucket - 1, bucket, bucket + 1)
        for keys in groups:
            lists = []
            size = 0
            for key in keys:
                buckets = postings.get(key)
                if buckets:
                    for b in near:
                        found = buckets.get(b)
                        if found:
                            lists.append(found)
                            size += len(found)
            if size > CROWDED:
                crowded += 1
            else:
                counted += lists
        counts = Counter(chain.from_iterable(counted))  # counted in C
        need = max(min(2, need), need - crowded)
        ranked = [(n, o) for o, n in counts.items() if n >= need]
        # the most shared first (a story's items share most), at most MAX_CANDIDATES
        if len(ranked) > MAX_CANDIDATES:
            ranked = heapq.nlargest(MAX_CANDIDATES, ranked)
        else:
            ranked.sort(reverse=True)
        return [o for _, o in ranked]

    def _same_title(self, title: str, bucket: int) -> list[int]:
        """Items near ``bucket`` with this normalised title, the latest first (none when
        more than CROWDED have it), at most MAX_CANDIDATES."""
        same = self._titles.get(title)
        if same is None:
            return []
        stamps, window = self._stamps, self.settings.window
        slots = [same] if isinstance(same, int) else same
        near = [s for s in slots if abs(int(stamps[s] // window) - bucket) <= 1]
        return [] if len(near) > CROWDED else sorted(near, reverse=True)[:MAX_CANDIDATES]

    def _candidates(
        self,
        slot: int,
        words: Sequence[frozenset[str]],
        anchor_keys: Sequence[str],
        title: str | None,
    ) -> list[int]:
        """Items within the window that could pass a comparison: enough shared words, or
        enough shared anchors, or the same title (see :meth:`_count`)."""
        stamp = self._stamps[slot]
        bucket = self._bucket(stamp)
        found = self._count(words, bucket, TITLE_WORDS_SHARED)
        found += self._count([(a,) for a in anchor_keys], bucket, self.settings.min_anchors)
        found += self._same_title(title, bucket) if title is not None else []
        window = self.settings.window
        stamps = self._stamps
        return [o for o in dict.fromkeys(found) if o != slot and abs(stamps[o] - stamp) <= window]

    def _stories_conflict(self, a: int, b: int) -> bool:
        """Whether joining the stories of ``a`` and ``b`` would put two items with different
        numbers or names in one story: links do not chain past what a pair may not be."""
        if self._all.find(a) == self._all.find(b):
            return False
        ours = self._all.slots(a)[-CONFLICT_CHECKS:]
        theirs = self._all.slots(b)[-CONFLICT_CHECKS:]
        entries = self._entries
        return any(
            conflict(entries[x].features, entries[y].features) or _recurring(entries[x], entries[y])
            for x in ours
            for y in theirs
        )

    def _link(self, a: int, b: int, *, strong: bool) -> None:
        if strong:
            self._strong.union(a, b, self._stamps)
        self._all.union(a, b, self._stamps)

    def _weight(self, forms: frozenset[str], cache: dict[frozenset[str], float]) -> float:
        """A word's rarity in the index (idf), cached for one item's comparisons."""
        weight = cache.get(forms)
        if weight is None:
            df = max((self._df.get(f, 0) for f in forms), default=0)
            weight = cache[forms] = math.log(1.0 + (len(self._entries) + 1) / max(1, df))
        return weight

    def _compare(
        self, a: _Entry, b: _Entry, a_keys: frozenset[str], weights: dict[frozenset[str], float]
    ) -> bool | None:
        """True: same story; False: possibly (across languages); None: not linked."""
        fa, fb = a.features, b.features
        if a.feed == b.feed:
            return None
        if fa.language != fb.language:
            if conflict(fa, fb):
                return None
            shared = anchors(fa) & anchors(fb)
            return False if len(shared) >= self.settings.min_anchors and named(shared) else None
        min_words = self.settings.min_words
        # most candidates fail here: count in C before listing the shared words
        if len(fb.words) - sum(map(a_keys.isdisjoint, fb.words)) < min_words:
            return None
        shared_b = [w for w in fb.words if not w.isdisjoint(a_keys)]
        if conflict(fa, fb):
            return None
        b_keys = fb.keys()
        shared_a = [w for w in fa.words if not w.isdisjoint(b_keys)]
        if len(shared_a) < min_words:
            return None
        # Each title says two things the other item never mentions: another story on the
        # same template ("… sign agreement on energy" / "… on drone production").
        own_a = sum(1 for w in fa.words[: fa.n_title] if w.isdisjoint(b_keys))
        own_b = sum(1 for w in fb.words[: fb.n_title] if w.isdisjoint(a_keys))
        if own_a >= TOPIC_WORDS and own_b >= TOPIC_WORDS:
            return None

        def weight(forms: frozenset[str]) -> float:
            return self._weight(forms, weights)

        total = sum(map(weight, fa.words)) + sum(map(weight, fb.words))
        common = sum(map(weight, shared_a)) + sum(map(weight, shared_b))
        return True if total and common / total >= self.settings.similarity else None

    # -- answers ------------------------------------------------------------------------------

    def story_id(self, item_id: str) -> str:
        """The story of an item (an item not indexed is its own story)."""
        slot = self._slot.get(item_id)
        if slot is None:
            return singleton_story_id(item_id)
        return singleton_story_id(self._entries[self._all.find(slot)].id)

    def strand(self, item_id: str) -> int:
        """Which strand (same-language part) of its story an item is in (-1: not indexed)."""
        slot = self._slot.get(item_id)
        return -1 if slot is None else self._strong.find(slot)

    def same_language(self, item_id: str) -> list[str]:
        """The items linked to this one by same-language (or same URL/title) evidence."""
        slot = self._slot.get(item_id)
        if slot is None:
            return [item_id]
        return [self._entries[s].id for s in sorted(self._strong.slots(slot))]

    def story(self, item_id: str) -> Story:
        """The story of one item (an item not indexed: a story of its own)."""
        slot = self._slot.get(item_id)
        if slot is None:
            return Story(singleton_story_id(item_id), (item_id,), (), False)
        slots = sorted(self._all.slots(slot), key=lambda s: (self._stamps[s], s))
        entries = self._entries
        return Story(
            id=singleton_story_id(entries[slots[0]].id),
            items=tuple(entries[s].id for s in slots),
            feeds=tuple(dict.fromkeys(entries[s].feed for s in slots)),
            possible=len({self._strong.find(s) for s in slots}) > 1,
        )

    def sources(self, item_id: str) -> list[tuple[str, bool]]:
        """The other items of this item's story, oldest first, each with whether it is only
        a *possible* part of it (linked across languages, not in this item's strand)."""
        slot = self._slot.get(item_id)
        if slot is None:
            return []
        strand = self._strong.find(slot)
        slots = sorted(self._all.slots(slot), key=lambda s: (self._stamps[s], s))
        return [(self._entries[s].id, self._strong.find(s) != strand) for s in slots if s != slot]

    def stories(self) -> dict[str, Story]:
        """Every story with its items, by story id (items alone included)."""
        members: dict[int, list[int]] = {}
        for slot in range(len(self._entries)):
            members.setdefault(self._all.find(slot), []).append(slot)
        out = {}
        for root, slots in members.items():
            slots.sort(key=lambda s: (self._stamps[s], s))
            strands = {self._strong.find(s) for s in slots}
            sid = singleton_story_id(self._entries[root].id)
            out[sid] = Story(
                id=sid,
                items=tuple(self._entries[s].id for s in slots),
                feeds=tuple(dict.fromkeys(self._entries[s].feed for s in slots)),
                possible=len(strands) > 1,
            )
        return out


def _recurring(a: _Entry, b: _Entry) -> bool:
    """The same title again after a while: a recurring report ("Losses of the day")."""
    return a.title is not None and a.title == b.title and abs(a.stamp - b.stamp) > TITLE_WINDOW


def group_stories(
    items: Iterable[Item],
    settings: StorySettings | None = None,
    *,
    around: Sequence[Item] = (),
) -> StoryIndex:
    """An index over ``items``; with ``around``, only the items within a window of those."""
    index = StoryIndex(settings or StorySettings())
    pool = list(items)
    if around:
        lo = min(i.time for i in around).timestamp() - index.settings.window
        hi = max(i.time for i in around).timestamp() + index.settings.window
        pool = [i for i in pool if lo <= i.time.timestamp() <= hi]
    index.add(pool)
    return index
