"""The detail pane: one item in full, with every watchlist hit highlighted in place."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from monitor import timefmt
from monitor.models import Item, Match
from monitor.query import Span
from monitor.text import clean_with_offsets, one_line

PLACEHOLDER = "No item selected."


def highlighted(
    text: str,
    matches: list[Match],
    field: str,
    style: Style,
    found: Sequence[Span] = (),
    found_style: Style | None = None,
) -> Text:
    """``text`` (feed data, cleaned) with the hits of ``field`` styled at their offsets, and
    the search's ``found`` spans of that field in ``found_style``."""
    cleaned, where = clean_with_offsets(text)
    out = Text(cleaned, end="")
    for m in matches:
        if m.field != field or not (0 <= m.start < m.end <= len(text)):
            continue
        out.stylize(style, where[m.start], where[m.end])
    for span in found:
        if span.field == field and 0 <= span.start < span.end <= len(text):
            out.stylize(found_style or style, where[span.start], where[span.end])
    return out


FIELD_NAMES = {"title": "the title", "summary": "the summary", "text": "the article"}


def detail_text(
    item: Item,
    *,
    match_style: Style,
    label_style: Style,
    tag_style: Style,
    search_spans: Sequence[Span] = (),
    found_style: Style | None = None,
) -> Text:
    """Everything about ``item`` as one ``Text``: what it says first (title, summary, the
    analyst's note, the article text), then where it comes from and why it is here.

    ``search_spans``: what the search matched (highlighted in ``found_style``). Nothing from
    the feed is read as markup."""
    title = highlighted(
        " ".join(item.title.split("\n")),
        item.matches,
        "title",
        match_style,
        search_spans,
        found_style,
    )
    title.stylize("bold")
    parts: list[Text] = [title, Text("")]
    parts.append(
        highlighted(
            item.summary or "(no summary)",
            item.matches,
            "summary",
            match_style,
            search_spans,
            found_style,
        )
    )
    if item.note.strip():
        note = Text("Your note: ", style=label_style, end="")
        note.append(one_line(item.note))
        parts += [Text(""), note]
    if item.text.strip():
        parts += [
            Text(""),
            highlighted(item.text, item.matches, "text", match_style, search_spans, found_style),
        ]
    parts.append(Text(""))

    def field(label: str, value: Text | str) -> None:
        line = Text(f"{label:<11}", style=label_style, end="")
        line.append_text(value if isinstance(value, Text) else Text(one_line(value)))
        parts.append(line)

    field("Source", item.feed)
    if item.published is None:
        field("Published", "no date given; first seen " + timefmt.full(item.first_seen))
    else:
        field("Published", timefmt.full(item.published))
        if item.first_seen != item.published:
            field("Seen", timefmt.full(item.first_seen))
    field("Link", item.link or "(none)")
    state = ["flagged" if item.flagged else "not flagged"]
    if item.flag_override is not None:
        state[0] += " (by hand)"
    state.append("read" if item.read else "unread")
    if item.pinned:
        state.append("pinned as a key development")
    field("State", ", ".join(state))
    for tag in item.tags:
        line = Text(end="")
        line.append(one_line(tag), tag_style)
        hits = [m for m in item.matches if m.watchlist == tag]
        said = []
        for m in hits:
            source = {"title": item.title, "summary": item.summary}.get(m.field, item.text)
            found = one_line(source[m.start : m.end]) if 0 <= m.start < m.end <= len(source) else ""
            what = one_line(m.describe())  # term “…” or rule “…”, a long rule shortened
            words = f"“{found}” in {FIELD_NAMES.get(m.field, m.field)}" if found else ""
            said.append(f"{words} (matches {what})" if words else f"matches {what}")
        line.append(": " + "; ".join(dict.fromkeys(said)))
        field("Watchlist", line)
    return Text("\n", end="").join(parts)


def sources_text(sources: Sequence[tuple[Item, bool]], label_style: Style) -> Text:
    """The story's other items, one line each: outlet, time, title; "possible" marked."""
    if not sources:
        return Text("")
    out = Text("\n\n", end="")
    out.append(f"Also reported by {len(sources)} more", label_style)
    for other, possible in sources:
        out.append(f"\n  • {one_line(other.feed)}, {timefmt.full(other.time)}: ")
        out.append(one_line(other.title) or "(untitled)")
        if possible:
            out.append(" (possible same story)", label_style)
    return out


class DetailPane(VerticalScroll, can_focus=True):
    """Scrollable detail of the item under the cursor."""

    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", show=False),
        Binding("k", "scroll_up", "Scroll up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
        Binding("ctrl+f", "page_down", "Page down", show=False),
        Binding("ctrl+b", "page_up", "Page up", show=False),
        Binding("escape", "back", "Back to list", show=False),
    ]

    COMPONENT_CLASSES = {"detail--match", "detail--label", "detail--tag", "detail--found"}

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.item: Item | None = None
        # Given an item, the spans the search box's query matched (None: no search).
        self.highlighter: Callable[[Item], Sequence[Span]] | None = None
        self.sources: Sequence[tuple[Item, bool]] = ()  # the story's other outlets' items

    def compose(self) -> ComposeResult:
        yield Static(Text(PLACEHOLDER), id="detail-body")

    def show(self, item: Item | None, sources: Sequence[tuple[Item, bool]] = ()) -> None:
        """Show ``item`` (None: the placeholder) and the other items of its story (each with
        whether it is only possibly the same story); back to the top only for another item."""
        same = item is not None and self.item is not None and item.id == self.item.id
        self.item = item
        self.sources = sources
        body = self.query_one("#detail-body", Static)
        if item is None:
            body.update(Text(PLACEHOLDER))
            return
        style = self.get_component_rich_style
        text = detail_text(
            item,
            match_style=style("detail--match"),
            label_style=style("detail--label"),
            tag_style=style("detail--tag"),
            search_spans=self.highlighter(item) if self.highlighter is not None else (),
            found_style=style("detail--found"),
        )
        body.update(text + sources_text(sources, style("detail--label")) if sources else text)
        if not same:
            self.scroll_home(animate=False)

    def action_back(self) -> None:
        self.app.query_one("#items").focus()
