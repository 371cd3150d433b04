"""Synthetic data for the benchmark: UNN-shaped RSS feeds, items, watchlists, a history.

Deterministic (seeded). English and Ukrainian text from a broad vocabulary (inflected
Ukrainian forms from pymorphy3, so the matcher's lemma caches see realistic variety), with
a share of items carrying watchlist terms, as in the real feeds.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from monitor.history import History
from monitor.history.journal import journal_path
from monitor.history.rows import rows_path
from monitor.history.sidecar import ids_path
from monitor.match import Matcher
from monitor.models import FeedState, Item, Watchlist, utcnow

KYIV = timezone(timedelta(hours=2))
NOW = datetime(2025, 10, 6, 12, 0, tzinfo=timezone.utc)
HIT_SHARE = 0.12  # share of items that carry a watchlist term

EN_DOMAIN = """defence ministry drone deal agreement procurement contract army navy missile
artillery shell ammunition tank vehicle supply package aid military support partner ally
summit minister president government parliament budget fund production factory industry
export sanction energy grid attack strike front border security council training brigade
soldier officer command radar satellite system launcher battery rocket interceptor weapon
equipment delivery coalition capability investment reform strategy plan priority request
Europe NATO Pentagon Washington Brussels Kyiv London Berlin Paris Warsaw signed announced
confirmed reported approved delivered received discussed joint national urgent""".split()

UK_DOMAIN = """міністерство оборона дрон угода закупівля контракт армія флот ракета снаряд
боєприпас танк техніка постачання пакет допомога підтримка партнер союзник саміт міністр
президент уряд парламент бюджет фонд виробництво завод промисловість експорт санкція
енергетика мережа атака удар фронт кордон безпека рада навчання бригада солдат офіцер
командування радар супутник система батарея зброя обладнання коаліція інвестиція реформа
стратегія план пріоритет потреба запит новий великий спільний національний міжнародний""".split()

EN_FUNCTION = """the of and to in a is that for on with as by at from was were be has have
it its this an are will not but which after over about into more than their""".split()
UK_FUNCTION = """і в у на з що до за про для та від не як це по із але також які який яка
щодо під час після було буде має""".split()

CATEGORIES_EN = ["Politics", "War", "Economics", "World", "Society", "Technologies"]
CATEGORIES_UK = ["Політика", "Війна", "Економіка", "Світ", "Суспільство", "Технології"]


@dataclass
class Vocabulary:
    en: list[str]  # typical English text words (weighted by repetition)
    uk: list[str]
    uk_forms: dict[str, list[str]]  # Ukrainian domain lemma -> some inflected forms


def vocabulary(seed: int = 1) -> Vocabulary:
    from pymorphy3 import MorphAnalyzer

    rng = random.Random(seed)
    morph = MorphAnalyzer(lang="uk")
    uk_forms: dict[str, list[str]] = {}
    for lemma in UK_DOMAIN:
        forms = sorted({p.word for p in morph.parse(lemma)[0].lexeme})[:10]
        uk_forms[lemma] = forms or [lemma]
    uk_generic = [
        w for w, *_ in itertools.islice(morph.dictionary.iter_known_words(), 0, 200_000, 50)
    ]
    letters = "abcdefghiklmnoprstuvwy"
    en_generic = ["".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(4000)]
    uk_domain = [f for forms in uk_forms.values() for f in forms]
    en_domain = EN_DOMAIN + [w + "s" for w in EN_DOMAIN[:60]]
    return Vocabulary(
        en=en_generic + EN_FUNCTION * 60 + en_domain[::3],
        uk=uk_generic + UK_FUNCTION * 60 + uk_domain[::6],
        uk_forms=uk_forms,
    )


def watchlists(rng: random.Random, n_terms: int = 200, per_list: int = 20) -> list[Watchlist]:
    """``n_terms`` terms (1-3 words, alternately English and Ukrainian lemmas) in lists, then
    the shipped watchlists."""
    terms: list[str] = []
    seen: set[str] = set()
    while len(terms) < n_terms:
        words = UK_DOMAIN if len(terms) % 2 else EN_DOMAIN
        term = " ".join(rng.choice(words) for _ in range(rng.choice((1, 2, 2, 2, 3))))
        if term not in seen:
            seen.add(term)
            terms.append(term)
    synthetic = [
        Watchlist(f"Watch {i // per_list + 1:02d}", tuple(terms[i : i + per_list]))
        for i in range(0, n_terms, per_list)
    ]
    return synthetic + shipped_watchlists()


def shipped_watchlists() -> list[Watchlist]:
    """The shipped feeds.toml's watchlists, rules included (match speed counts them)."""
    from monitor.config import load_config
    from monitor.paths import shipped_feeds_toml

    return list(load_config(shipped_feeds_toml()).watchlists)


class TextMaker:
    """Titles and summaries in one language, some carrying a watchlist term (inflected)."""

    def __init__(self, vocab: Vocabulary, lists: list[Watchlist], rng: random.Random) -> None:
        self.vocab, self.rng = vocab, rng
        terms = [t for wl in lists for t in wl.terms]
        self.terms_en = [t for t in terms if t.isascii()]
        self.terms_uk = [t for t in terms if not t.isascii()]

    def _words(self, pool: list[str], n: int) -> list[str]:
        return self.rng.choices(pool, k=n)

    def _term(self, uk: bool) -> str:
        if not uk:
            return self.rng.choice(self.terms_en)
        words = self.rng.choice(self.terms_uk).split()
        return " ".join(self.rng.choice(self.vocab.uk_forms.get(w, [w])) for w in words)

    def sentence(self, uk: bool, n: int, hit: bool) -> str:
        words = self._words(self.vocab.uk if uk else self.vocab.en, n)
        if hit:
            words.insert(self.rng.randrange(len(words) + 1), self._term(uk))
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words)

    def item_text(self, uk: bool) -> tuple[str, list[str]]:
        """(title, summary paragraphs)."""
        rng = self.rng
        hit = rng.random() < HIT_SHARE
        in_title = hit and rng.random() < 0.5
        title = self.sentence(uk, rng.randint(8, 14), in_title)
        paras = [
            self.sentence(uk, rng.randint(18, 30), hit and not in_title and i == 0) + "."
            for i in range(rng.randint(2, 3))
        ]
        return title, paras


def feed_name(n: int) -> str:
    lang = "uk" if n % 2 else "en"
    return f"UNN {lang} {n:03d}"


def render_rss(maker: TextMaker, n_feed: int, n_items: int) -> bytes:
    """An RSS 2.0 document shaped like UNN's (HTML descriptions, escaped or in CDATA)."""
    uk = bool(n_feed % 2)
    rng = maker.rng
    site = "https://unn.ua" if uk else "https://unn.ua/en"
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
        f"<title>UNN bench feed {n_feed}</title>\n<link>{site}</link>\n"
        f"<description>Synthetic feed {n_feed}</description>\n"
        f"<language>{'uk' if uk else 'en'}</language>\n"
        f"<lastBuildDate>{format_datetime(NOW.astimezone(KYIV))}</lastBuildDate>\n"
    ]
    for i in range(n_items):
        title, paras = maker.item_text(uk)
        link = f"{site}/news/bench-{n_feed:03d}-{i:04d}-{rng.randrange(10**6)}"
        description = "".join(f"<p>{xml_escape(p)}</p>" for p in paras)
        description = f"<![CDATA[{description}]]>" if uk else xml_escape(description)
        published = NOW - timedelta(minutes=17 * i + n_feed)
        category = rng.choice(CATEGORIES_UK if uk else CATEGORIES_EN)
        out.append(
            "<item>\n"
            f"  <title>{xml_escape(title)}</title>\n"
            f"  <link>{link}</link>\n"
            f'  <guid isPermaLink="true">{link}</guid>\n'
            f"  <description>{description}</description>\n"
            f"  <category>{category}</category>\n"
            "  <dc:creator>UNN</dc:creator>\n"
            f"  <pubDate>{format_datetime(published.astimezone(KYIV))}</pubDate>\n"
            "</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


def write_feeds(directory: Path, maker: TextMaker, n_feeds: int, n_items: int) -> list[str]:
    """Render ``n_feeds`` documents into ``directory``; returns their file names."""
    directory.mkdir(parents=True, exist_ok=True)
    names = []
    for n in range(n_feeds):
        name = f"feed{n:03d}.xml"
        (directory / name).write_bytes(render_rss(maker, n, n_items))
        names.append(name)
    return names


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(path: Path, base_url: str, files: list[str], lists: list[Watchlist]) -> Path:
    """A feeds.toml for the served feeds (default settings) and the watchlists."""
    out = [
        '[settings]\npoll_interval = "15m"\n'
        "retention_days = 0  # keep the synthetic history whole\n"
    ]
    for n, name in enumerate(files):
        out.append(
            f"[[feeds]]\nname = {_toml(feed_name(n))}\nurl = {_toml(f'{base_url}/feeds/{name}')}\n"
        )
    for wl in lists:
        terms = ", ".join(_toml(t) for t in wl.terms)
        out.append(f"[[watchlists]]\nname = {_toml(wl.name)}\nterms = [{terms}]\n")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def make_items(maker: TextMaker, n: int, start: int = 0, feeds: int = 24) -> list[Item]:
    """``n`` history items as parse_feed would give them (plain text), spread over 90 days."""
    rng = maker.rng
    items = []
    for k in range(start, start + n):
        f = k % feeds
        uk = bool(f % 2)
        title, paras = maker.item_text(uk)
        when = NOW - timedelta(seconds=rng.randrange(90 * 86400))
        link = f"https://unn.ua/{'' if uk else 'en/'}news/hist-{k:07d}"
        items.append(
            Item(
                id=f"{feed_name(f)}:{link}",
                feed=feed_name(f),
                title=title,
                link=link,
                summary="\n\n".join(paras),
                published=when,
                first_seen=when + timedelta(minutes=3),
                read=rng.random() < 0.6,
            )
        )
    return items


def just_polled(names: list[str]) -> list[FeedState]:
    """Feed states saying every feed was polled a moment ago (so the UI's timer waits)."""
    now = utcnow()
    return [FeedState(n, last_attempt=now, last_success=now, last_outcome="ok") for n in names]


def build_history(
    path: Path, maker: TextMaker, matcher: Matcher, n: int, feed_names: list[str], feeds: int = 24
) -> Path:
    """A history of ``n`` matched items, written through the real History (one commit).

    Every configured feed has a state saying it was just polled: a TUI opened on it does
    not start a scheduled poll in the middle of a measurement."""
    items = make_items(maker, n, feeds=feeds)
    for item in items:
        matcher.apply(item)
    history = History.open(path)
    history.commit(items, just_polled(feed_names))
    history.retag(lambda _item: False, matcher.signature)  # record the signature only
    history.compact()  # the steady state: everything in the snapshot (copies need no journal)
    return path


def copy_history(source: Path, target: Path) -> Path:
    """Copy a history for one measurement: the snapshot and its journal, if any (a copy of
    the snapshot alone would silently drop every change not yet compacted), its sidecar and
    its load cache (both written by every compaction, as on a user's disk).

    The snapshot is hard-linked where it can be: the sidecar names the snapshot's file
    (inode, size, mtime), so a linked snapshot keeps it valid, as on a user's disk after a
    compaction (a history never writes its snapshot in place: a compaction replaces it)."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    for path in (journal_path, ids_path, rows_path):
        if path(source).exists():
            shutil.copyfile(path(source), path(target))
    return target


def write_ministry_site(directory: Path, n: int) -> None:
    """A Ministry-shaped listing (``site/news.html``, served as /news) and ``n`` article pages
    (``site/news/<slug>.html``), from tests/sites.py."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.helpers.sites import Article, article_page, listing_page, uk_paragraphs

    now = utcnow()
    related = [Article(f"inshyi-material-{k}", f"Інший матеріал {k}", "", []) for k in range(12)]
    articles = [
        Article(
            f"novyna-pro-oboronu-{k}",
            f"Новина про оборону {k}",
            f"Лід {k}.",
            uk_paragraphs(6 + k % 8, k),
            now - timedelta(hours=k),
        )
        for k in range(n)
    ]
    (directory / "news").mkdir(parents=True, exist_ok=True)
    (directory / "news.html").write_text(listing_page(articles), encoding="utf-8")
    for k, article in enumerate(articles):
        meta = ("og", "jsonld", "both", "none")[k % 4]
        page = article_page(article, meta=meta, related=related)
        (directory / "news" / f"{article.slug}.html").write_text(page, encoding="utf-8")


def write_ministry_config(path: Path, base_url: str, lists: list[Watchlist]) -> Path:
    """A feeds.toml with the Ministry page source of :func:`write_ministry_site` only."""
    out = [
        '[settings]\npoll_interval = "15m"\n',
        f'[[feeds]]\nname = "Ministry of Defence"\nurl = {_toml(base_url + "/news")}\n'
        f'kind = "page"\nlinks = {_toml("/news/novyna-pro-oboronu-")}\n',
    ]
    for wl in lists:
        terms = ", ".join(_toml(t) for t in wl.terms)
        out.append(f"[[watchlists]]\nname = {_toml(wl.name)}\nterms = [{terms}]\n")
    path.write_text("\n".join(out), encoding="utf-8")
    return path
