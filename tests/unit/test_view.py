"""The UI's view snapshot: rows per filter agree with a plain scan, counts follow writes."""

from __future__ import annotations

from monitor.match import Matcher
from monitor.models import Watchlist
from monitor.view import ItemFilter, RowFilter, adjust_counts, build_view, filter_rows
from tests.helpers.app_fixtures import fixed_items


def view_of_fixed_items():  # type: ignore[no-untyped-def]
    items = fixed_items()
    matcher = Matcher([Watchlist("Drone Deal", ["drone", "дрон"]), Watchlist("PURL", ["PURL"])])
    for item in items:
        matcher.apply(item)
    view = build_view(items, {})
    assert view is not None
    return items, view


def test_row_filter_agrees_with_a_plain_scan_while_typing_and_combining() -> None:
    items, view = view_of_fixed_items()
    rf = RowFilter(view)
    steps = [
        ItemFilter(query="d"),
        ItemFilter(query="de"),
        ItemFilter(query="def"),
        ItemFilter(query="de"),
        ItemFilter(query="ДРОН"),
        ItemFilter(query="e", feed="UNN English"),
        ItemFilter(query="e", feed="UNN English", flagged_only=True),
        ItemFilter(watchlist="Drone Deal"),
        ItemFilter(watchlist="PURL", feed="UNN English"),
        ItemFilter(unread_only=True, query="the"),
        ItemFilter(query="the budget"),
        ItemFilter(),
    ]
    for flt in steps:
        assert rf.rows(flt) == filter_rows(items, flt), flt
    assert [items[i].title for i in rf.rows(ItemFilter(query="ДРОН"))] == [
        "Міноборони отримало нові дрони"
    ]


def recount(items):  # type: ignore[no-untyped-def]
    view = build_view(items, {})
    assert view is not None
    return view.counts


def test_counts_are_computed_once_and_follow_a_flag_and_a_read_change() -> None:
    items, view = view_of_fixed_items()
    assert view.counts.unread_all == sum(not i.read for i in items)
    assert view.counts.flagged_all == sum(i.flagged for i in items)
    assert view.counts.watchlists == {"Drone Deal": 2, "PURL": 1}
    target = next(i for i in items if not i.read and not i.flagged)
    was = (target.read, target.flagged)
    target.read, target.flag_override = True, True
    adjust_counts(view.counts, target, *was)
    assert view.counts == recount(items)
