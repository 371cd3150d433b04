"""Stories: the same news carried by several outlets, grouped so it is read once.

Two items are linked when, within ``story_window`` (120 h) of each other:

- they have the same canonical URL (scheme, ``www.``, fragment and tracking parameters
  dropped) or the same normalised title (at least four words) — a *strong* link;
- they are in the same language, come from different feeds and share enough significant
  title words — a *strong* link. Words are compared by the normal forms of
  :func:`monitor.match.normalise_token` (Ukrainian lemmas, English stems), stop words and bare
  numbers dropped; at least ``story_min_words`` must be shared, and the shared words must
  carry ``story_similarity`` of the pair's weight, each word weighted by its rarity in the
  index (idf), so "Ukraine" and "agreement" count for little and "Denmark" for much;
- they are in different languages (Ukrainian and English), come from different feeds and
  share at least two *anchors*: a watchlist both are tagged by, a name (a capitalised word,
  compared across scripts by its transliterated consonant skeleton), or a number with a unit
  ("40 drones" / "40 дронів", "1.5 billion" / "1,5 млрд"); a number alone never links. Such a
  link is a *possible* one: it joins the story but is shown as "possible same story".

Precision first: a pair is never linked when both titles carry numbers and none is shared (a
daily "losses: 1,130 soldiers" report is not yesterday's), when both carry names the other
lacks ("drones hit Kharkiv" is not "drones hit Odesa"), or when both carry numbers with the
same unit that differ.

Stories are derived, never stored: the history keeps items; an index over them
(:class:`StoryIndex`) is cheap to extend with a poll's new items and gives every item its
story id (``s`` + a hash of the story's first item id: an item alone is its own story).
"""

from monitor.stories.features import canonical_url
from monitor.stories.index import (
    Story,
    StoryIndex,
    StorySettings,
    group_stories,
    singleton_story_id,
)

__all__ = [
    "Story",
    "StoryIndex",
    "StorySettings",
    "canonical_url",
    "group_stories",
    "singleton_story_id",
]
