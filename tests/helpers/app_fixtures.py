"""Fixed data for the UI tests and snapshots: a config, a history, a clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.app import MonitorApp
from monitor.config import load_config
from monitor.history import History
from monitor.match import Matcher
from monitor.models import Config, FeedState, Item

NOW = datetime(2025, 10, 6, 12, 0, tzinfo=timezone.utc)
ALERT_TITLE = "[bold red]ALERT[/] \x1b[31mred\x1b[0m sirens in Kyiv"

WATCHLISTS = """
[[watchlists]]
name = "Drone Deal"
terms = ["drone", "дрон"]

[[watchlists]]
name = "PURL"
terms = ["PURL"]
"""


def feeds_toml(base_url: str = "http://127.0.0.1:9", watchlists: str = WATCHLISTS) -> str:
    return f"""
[settings]
poll_interval = "15m"

[[feeds]]
name = "UNN English"
url = "{base_url}/unn.xml"

[[feeds]]
name = "MoD Ukraine"
url = "{base_url}/mod.xml"
{watchlists}
"""


def item(n: int, feed: str, title: str, summary: str, hours: float, **kw: object) -> Item:
    """An item of ``feed`` published and first seen ``hours`` before NOW."""
    when = NOW - timedelta(hours=hours)
    return Item(
        id=f"{feed}:{n}",
        feed=feed,
        title=title,
        link=f"https://example.org/{n}",
        summary=summary,
        published=when,
        first_seen=when,
        **kw,  # type: ignore[arg-type]
    )


def fixed_items() -> list[Item]:
    """Eight items over three days; some match, one is hand-flagged, some are read."""
    return [
        item(
            1,
            "UNN English",
            "Ukraine signs drone deal with Denmark",
            "The drone production agreement was signed in Copenhagen on Monday.",
            1,
        ),
        item(
            2,
            "MoD Ukraine",
            "Міноборони отримало нові дрони",
            "Партія дронів надійшла до підрозділів.",
            3,
        ),
        item(
            3,
            "UNN English",
            "NATO allies fund the PURL package",
            "The PURL initiative pays for US weapons for Ukraine.",
            5,
            read=True,
        ),
        item(4, "UNN English", ALERT_TITLE, "Air raid alert [link]x[/link] in the capital.", 8),
        item(
            5,
            "MoD Ukraine",
            "Defence minister meets partners",
            "Talks covered air defence and training.",
            26,
            flag_override=True,
        ),
        item(
            6,
            "UNN English",
            "Weather service warns of frost",
            "Frost expected overnight.",
            30,
            read=True,
        ),
        item(
            7,
            "MoD Ukraine",
            "Training of new brigades continues",
            "Recruits completed the course.",
            50,
        ),
        item(
            8,
            "UNN English",
            "Parliament debates the budget",
            "Defence spending dominates the 2026 budget debate.",
            70,
            read=True,
        ),
    ]


def filler(n: int) -> list[Item]:
    """``n`` routine items four days old, none matching a watchlist: enough of them and the
    list and the search index are built in workers."""
    return [
        Item(
            id=f"x{k}",
            feed="UNN English",
            title=f"Routine report {k}",
            link="https://example.org/x",
            summary="Nothing notable.",
            published=NOW - timedelta(days=4, minutes=k),
            first_seen=NOW - timedelta(days=4),
        )
        for k in range(n)
    ]


def make_history(
    path: Path, matcher: Matcher, items: list[Item] | None = None, states: bool = True
) -> History:
    history = History.open(path)
    items = fixed_items() if items is None else items
    for it in items:
        matcher.apply(it)
    history.add_items(items)
    history.retag(matcher.apply, matcher.signature)
    if states:
        history.save_feed_states(
            [
                FeedState(
                    "UNN English",
                    last_attempt=NOW - timedelta(minutes=5),
                    last_success=NOW - timedelta(minutes=5),
                    last_outcome="ok",
                    last_new=2,
                ),
                FeedState(
                    "MoD Ukraine",
                    last_attempt=NOW - timedelta(minutes=10),
                    last_success=NOW - timedelta(hours=3),
                    last_outcome="error",
                    last_error="HTTP 503 Service Unavailable",
                    error_kind="http",
                    failures=2,
                    retry_at=NOW + timedelta(minutes=20),
                ),
            ]
        )
    return history


def make_app(
    tmp_path: Path,
    *,
    base_url: str = "http://127.0.0.1:9",
    items: list[Item] | None = None,
    states: bool = True,
    **kw: object,
) -> MonitorApp:
    """A MonitorApp on fixed data in ``tmp_path`` with the fixed clock; no autopoll/watch unless asked."""
    return app_for_config(tmp_path, feeds_toml(base_url), items=items, states=states, **kw)


def app_for_config(
    tmp_path: Path,
    config_text: str,
    *,
    items: list[Item] | None = None,
    states: bool = True,
    **kw: object,
) -> MonitorApp:
    """A MonitorApp on ``config_text`` (written to ``tmp_path/feeds.toml``) and a history of
    ``items`` (default: the fixed ones), with the fixed clock; no autopoll/watch unless asked."""
    config_path = tmp_path / "feeds.toml"
    config_path.write_text(config_text, encoding="utf-8")
    config = load_config(config_path)
    matcher = Matcher(config.watchlists)
    history = make_history(tmp_path / "history.json", matcher, items, states)
    return quiet_app(
        config, config_path, history, matcher, tmp_path, **{"clock": lambda: NOW, **kw}
    )


def quiet_app(
    config: Config,
    config_path: Path,
    history: History,
    matcher: Matcher,
    export_dir: Path,
    **kw: object,
) -> MonitorApp:
    """A MonitorApp that neither polls on its own nor watches files unless asked."""
    options: dict[str, object] = {"autopoll": False, "watch_files": False, "export_dir": export_dir}
    options.update(kw)
    return MonitorApp(config, config_path, history, matcher, **options)  # type: ignore[arg-type]
