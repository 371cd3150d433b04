"""A fixed corpus for story grouping: the same events told by three outlets, and near misses.

Events are drawn (seeded, so the corpus never changes) from templates in English and
Ukrainian; each event is carried by one to three outlets (UNN in English, UNN in Ukrainian,
the Ministry), in differing words, with tracking parameters on some shared links, within hours
of each other. The same template recurs with another country, city, person or number: the
near misses grouping must keep apart. :func:`describe` writes the grouping as text, one story
a paragraph, so a change to it reads as a diff (``tests/fixtures/stories/corpus_grouping.txt``;
regenerate with ``python -m tests.helpers.story_corpus`` only when a change is intended).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.match import Matcher
from monitor.models import Item, Watchlist
from monitor.stories import StoryIndex

T0 = datetime(2026, 10, 1, 6, tzinfo=timezone.utc)
GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "stories" / "corpus_grouping.txt"
LISTS = [
    Watchlist("Drone Deal", ("drone deal", "joint drone production", "спільне виробництво дронів")),
    Watchlist("Air Defence", ("air defence", "ППО", "протиповітряна оборона")),
    Watchlist("Aid", ("military aid", "військова допомога", "aid package")),
]
# (English, Ukrainian nominative, Ukrainian genitive)
COUNTRIES = [
    ("Denmark", "Данія", "Данії"),
    ("Germany", "Німеччина", "Німеччини"),
    ("the Netherlands", "Нідерланди", "Нідерландів"),
    ("Sweden", "Швеція", "Швеції"),
    ("Norway", "Норвегія", "Норвегії"),
    ("Poland", "Польща", "Польщі"),
    ("Finland", "Фінляндія", "Фінляндії"),
    ("Canada", "Канада", "Канади"),
]
CITIES = [
    ("Kharkiv", "Харків", "Харкова"),
    ("Odesa", "Одеса", "Одеси"),
    ("Dnipro", "Дніпро", "Дніпра"),
    ("Zaporizhzhia", "Запоріжжя", "Запоріжжя"),
    ("Sumy", "Суми", "Сум"),
    ("Lviv", "Львів", "Львова"),
]
PEOPLE = [
    ("Rustem Umerov", "Рустем Умєров"),
    ("Oleksandr Syrskyi", "Олександр Сирський"),
    ("Denys Shmyhal", "Денис Шмигаль"),
    ("Mykhailo Fedorov", "Михайло Федоров"),
]
# Per template: English titles, Ukrainian titles (two phrasings each), English and Ukrainian
# leads. Slots: {c} country, {cu}/{cg} its Ukrainian forms, {t}/{tu}/{tg} a city, {p}/{pu} a
# person, {n} and {m} numbers.
TEMPLATES: list[tuple[tuple[str, ...], tuple[str, ...], str, str]] = [
    (
        (
            "{C} to fund production of {n} drones for Ukraine",
            "{C} will pay for {n} Ukrainian-made drones, defence ministry says",
        ),
        (
            "{cu} профінансує виробництво {n} дронів для України",
            "{cu} оплатить {n} дронів українського виробництва",
        ),
        "The government of {c} approved funding for {n} drones made in Ukraine.",
        "Уряд країни {cg} схвалив фінансування {n} дронів українського виробництва.",
    ),
    (
        (
            "Russian drones attack {t} overnight, {n} people injured",
            "{n} people injured in overnight drone attack on {t}",
        ),
        (
            "Російські дрони атакували {tu} вночі, поранено {n} людей",
            "Внаслідок нічної атаки дронів на {tu} поранено {n} людей",
        ),
        "Regional authorities in {t} said {n} people were injured and homes were damaged.",
        "Влада {tg} повідомила, що поранено {n} людей, пошкоджено будинки.",
    ),
    (
        (
            "Ukraine and {c} sign agreement on joint drone production",
            "{C} and Ukraine agree on joint drone production",
        ),
        (
            "Україна та {cu} підписали угоду про спільне виробництво дронів",
            "{cu} і Україна домовилися про спільне виробництво дронів",
        ),
        "{P} signed the agreement with his counterpart from {c} in Kyiv.",
        "{pu} підписав угоду з колегою з країни {cg} у Києві.",
    ),
    (
        (
            "{C} announces new military aid package worth {n} million euros",
            "New {n} million euro military aid package from {c}",
        ),
        (
            "{cu} оголосила новий пакет військової допомоги на {n} млн євро",
            "Новий пакет військової допомоги від {cg} на {n} млн євро",
        ),
        "The package from {c} includes air defence missiles and ammunition.",
        "Пакет від {cg} включає ракети для ППО та боєприпаси.",
    ),
    (
        (
            "General Staff: Russia lost {n} soldiers over the past day",
            "Russian losses: {n} soldiers in a day, General Staff says",
        ),
        (
            "Генштаб: Росія втратила {n} військових за минулу добу",
            "Втрати Росії за добу: {n} військових, повідомляє Генштаб",
        ),
        "The General Staff also reported {m} destroyed artillery systems.",
        "Генштаб також повідомив про {m} знищених артилерійських систем.",
    ),
    (
        (
            "Air defence shot down {n} of {m} drones overnight",
            "Overnight, air defence downed {n} out of {m} Russian drones",
        ),
        (
            "ППО збила {n} з {m} дронів уночі",
            "Уночі протиповітряна оборона знешкодила {n} з {m} російських дронів",
        ),
        "The Air Force said most drones were shot down over {t} region.",
        "Повітряні сили повідомили, що більшість дронів збито над областю {tg}.",
    ),
    (
        (
            "{P} visits {t} to inspect fortifications",
            "{P} inspects fortifications during trip to {t}",
        ),
        (
            "{pu} відвідав {tu}, щоб перевірити фортифікації",
            "{pu} перевірив фортифікації під час поїздки до {tg}",
        ),
        "During the visit to {t}, {p} met local commanders.",
        "Під час візиту до {tg} {pu} зустрівся з командирами.",
    ),
    (
        (
            "{P} meets defence minister of {c} to discuss air defence",
            "Air defence on the agenda as {p} meets minister from {c}",
        ),
        (
            "{pu} зустрівся з міністром оборони {cg}, щоб обговорити ППО",
            "{pu} обговорив ППО з міністром оборони {cg}",
        ),
        "{P} asked the minister from {c} for more air defence systems.",
        "{pu} попросив міністра з {cg} про додаткові системи ППО.",
    ),
]
OUTLETS = ("UNN (English)", "UNN (Ukrainian)", "Ministry of Defence")
FILLER_EN = "Talks will continue next week. More details are expected later."
FILLER_UK = "Переговори триватимуть наступного тижня. Подробиці очікуються згодом."


def _fill(text: str, slots: dict[str, str]) -> str:
    out = text.format(**slots)
    return out[:1].upper() + out[1:]


def corpus(events: int = 260, seed: int = 13) -> list[Item]:
    """The items of ``events`` events over about three weeks (each event's outlets within
    six hours), tagged by :data:`LISTS`."""
    rng = random.Random(seed)
    matcher = Matcher(LISTS)
    items: list[Item] = []
    for event in range(events):
        en_titles, uk_titles, en_lead, uk_lead = TEMPLATES[rng.randrange(len(TEMPLATES))]
        c, cu, cg = COUNTRIES[rng.randrange(len(COUNTRIES))]
        t, tu, tg = CITIES[rng.randrange(len(CITIES))]
        p, pu = PEOPLE[rng.randrange(len(PEOPLE))]
        n = rng.choice([3, 5, 7, 12, 20, 40, 48, 60, 100, 950, 1130, 1240])
        m = n + rng.choice([2, 5, 10])
        slots = {
            "c": c,
            "C": c[:1].upper() + c[1:],
            "cu": cu,
            "cg": cg,
            "t": t,
            "tu": tu,
            "tg": tg,
            "p": p,
            "P": p,
            "pu": pu,
            "n": str(n),
            "m": str(m),
        }
        start = T0 + timedelta(hours=rng.uniform(0, 21 * 24))
        slug = f"https://unn.ua/news/event-{event}"
        carriers = rng.sample(OUTLETS, rng.choice([1, 2, 2, 3, 3, 3]))
        for k, outlet in enumerate(carriers):
            english = outlet == OUTLETS[0]
            titles = en_titles if english else uk_titles
            title = _fill(titles[rng.randrange(2)], slots)
            lead = _fill(en_lead if english else uk_lead, slots)
            summary = f"{lead} {FILLER_EN if english else FILLER_UK}"
            if outlet == OUTLETS[2]:
                link = f"https://mod.gov.ua/news/{event}"
            elif rng.random() < 0.3:
                link = f"{slug}?utm_source=rss&utm_medium=feed"  # the same page, tracked
            else:
                link = f"{slug}-{'en' if english else 'uk'}"
            it = Item(
                id=f"{outlet}:{event}:{k}",
                feed=outlet,
                title=title,
                link=link,
                summary=summary,
                published=start + timedelta(hours=rng.uniform(0, 6)),
                first_seen=start,
            )
            matcher.apply(it)
            items.append(it)
    return items


def describe(index: StoryIndex, items: list[Item]) -> str:
    """Every story of two or more items, oldest item first; ``?`` marks an item only possibly
    in it (another strand), ``=`` one in the first item's strand."""
    by_id = {i.id: i for i in items}
    stories = sorted(
        (s for s in index.stories().values() if len(s.items) > 1), key=lambda s: s.items
    )
    lines = [f"{len(stories)} stories of two or more items", ""]
    for story in stories:
        first = index.strand(story.items[0])
        for item_id in story.items:
            mark = "=" if index.strand(item_id) == first else "?"
            item = by_id[item_id]
            lines.append(f"{mark} {item_id} | {item.title}")
        lines.append("")
    return "\n".join(lines)


def grouping() -> str:
    """The corpus grouped as one poll, then the same corpus grouped in three polls."""
    items = corpus()
    whole = StoryIndex()
    whole.add(items)
    polls = StoryIndex()
    ordered = sorted(items, key=lambda i: i.first_seen)
    third = len(ordered) // 3
    for part in (ordered[:third], ordered[third : 2 * third], ordered[2 * third :]):
        polls.add(part)
    return (
        "# One poll\n\n" + describe(whole, items) + "\n# Three polls\n\n" + describe(polls, items)
    )


if __name__ == "__main__":
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(grouping(), encoding="utf-8")
    print(f"wrote {GOLDEN}")
