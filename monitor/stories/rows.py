"""Stories in the item list: a story shown once, with how many outlets carry it.

:class:`StoryRows` is an immutable snapshot of a :class:`~monitor.stories.StoryIndex`, taken
off the event loop (by the view's worker) and read by the UI: which items belong to a story of
two or more, its outlets, its members, and each member's *strand* (the items linked to it in its
own language, which "read" applies to; cross-language members are only possibly the same
story). Headless: no Textual here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from monitor.models import Item
from monitor.stories.index import StoryIndex

STORY_MARK = "×{n} "  # before the title of the row standing for a story
MEMBER_MARK = "  └ "  # before the title of a story's other items, once expanded


@dataclass(frozen=True, slots=True)
class StoryRows:
    """The stories of two or more items, as the list needs them."""

    story_of: Mapping[str, str] = field(default_factory=dict)  # item id -> story id
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # oldest first
    outlets: Mapping[str, int] = field(default_factory=dict)  # story id -> feeds carrying it
    strand_of: Mapping[str, int] = field(default_factory=dict)  # item id -> its strand

    @classmethod
    def of(cls, index: StoryIndex) -> StoryRows:
        """A snapshot of ``index`` (walks every indexed item once: call it in a worker)."""
        story_of: dict[str, str] = {}
        members: dict[str, tuple[str, ...]] = {}
        outlets: dict[str, int] = {}
        strand_of: dict[str, int] = {}
        for story in index.stories().values():
            if len(story.items) < 2:
                continue
            members[story.id] = story.items
            outlets[story.id] = story.outlets
            for item_id in story.items:
                story_of[item_id] = story.id
                strand_of[item_id] = index.strand(item_id)
        return cls(story_of, members, outlets, strand_of)

    def same_language(self, item_id: str) -> list[str]:
        """The items that reading ``item_id`` marks read: its strand of its story."""
        story = self.story_of.get(item_id)
        if story is None:
            return [item_id]
        strand = self.strand_of[item_id]
        return [m for m in self.members[story] if self.strand_of.get(m) == strand]

    def sources(self, item_id: str) -> list[tuple[str, bool]]:
        """The story's other items, each with whether it is only possibly the same story."""
        story = self.story_of.get(item_id)
        if story is None:
            return []
        strand = self.strand_of[item_id]
        return [(m, self.strand_of.get(m) != strand) for m in self.members[story] if m != item_id]

    def collapse(
        self,
        items: Sequence[Item],
        rows: Sequence[int],
        expanded: Collection[str],
        position: Mapping[str, int],
    ) -> tuple[list[int], dict[str, str]]:
        """``rows`` with each story once (at its first row, the newest item shown), the
        members of ``expanded`` stories right under it; and the title marks per item id."""
        story_of = self.story_of
        if not story_of:
            return list(rows), {}
        out: list[int] = []
        marks: dict[str, str] = {}
        seen: set[str] = set()
        for row in rows:
            item_id = items[row].id
            story = story_of.get(item_id)
            if story is None:
                out.append(row)
                continue
            if story in seen:
                continue
            seen.add(story)
            out.append(row)
            marks[item_id] = STORY_MARK.format(n=self.outlets[story])
            if story in expanded:
                for member in reversed(self.members[story]):  # newest first, like the list
                    at = position.get(member)
                    if member != item_id and at is not None:
                        out.append(at)
                        marks[member] = MEMBER_MARK
        return out, marks
