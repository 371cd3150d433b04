"""A plain-text report of the stories in a history, to check the thresholds on real data.

``monitor stories [--since 7d] [--samples N]`` prints how many items were grouped, the
biggest stories, and a random sample of stories with each item's outlet, time and title,
cross-language ("possible") members marked: read them and tune ``story_*`` in feeds.toml.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import tzinfo

from monitor import timefmt
from monitor.models import Item
from monitor.stories.index import Story, StoryIndex
from monitor.text import one_line, shorten


def _story_lines(
    story: Story, index: StoryIndex, by_id: dict[str, Item], tz: tzinfo | None
) -> list[str]:
    first = story.items[0]
    possible = {o for o, maybe in index.sources(first) if maybe}
    kind = "possible same story" if story.possible else "same story"
    lines = [f"{story.id}: {len(story.items)} items, {story.outlets} outlets ({kind})"]
    for item_id in story.items:
        item = by_id[item_id]
        mark = "?" if item_id in possible else " "
        lines.append(
            f"  {mark} {timefmt.full(item.time, tz)}  {shorten(one_line(item.feed), 24):24}"
            f"  {shorten(one_line(item.title), 90)}"
        )
    return lines


def format_report(
    index: StoryIndex,
    items: Sequence[Item],
    *,
    samples: int = 20,
    seed: int = 1,
    tz: tzinfo | None = None,
) -> str:
    """The report's text: totals, the ten biggest stories, then ``samples`` random ones."""
    by_id = {i.id: i for i in items}
    stories = [s for s in index.stories().values() if len(s.items) > 1]
    grouped = sum(len(s.items) for s in stories)
    sizes = Counter(len(s.items) for s in stories)
    out = [
        f"{len(index)} items, {len(stories)} stories of two or more items "
        f"({grouped} items grouped, {sum(1 for s in stories if s.possible)} across languages)",
        "sizes: " + (", ".join(f"{n} items x{c}" for n, c in sorted(sizes.items())) or "none"),
        f"thresholds: window {index.settings.window / 3600:g} h, "
        f"min words {index.settings.min_words}, similarity {index.settings.similarity:g}",
        "",
    ]
    biggest = sorted(stories, key=lambda s: (-len(s.items), s.id))[:10]
    if biggest:
        out += ["The biggest stories (? = linked across languages, possible):", ""]
        for story in biggest:
            out += [*_story_lines(story, index, by_id, tz), ""]
    rest = [s for s in stories if s not in biggest]
    if rest and samples > 0:
        chosen = random.Random(seed).sample(rest, min(samples, len(rest)))
        out += [f"A random sample of {len(chosen)} more:", ""]
        for story in sorted(chosen, key=lambda s: s.id):
            out += [*_story_lines(story, index, by_id, tz), ""]
    return "\n".join(out).rstrip("\n") + "\n"
