"""Matcher throughput on synthetic mixed English/Ukrainian news items.

Run: ``.venv/bin/python bench/bench_match.py [items]``; prints items/s (target: 20,000/s on
one core with 200 terms, title ~12 words, summary ~60 words).
"""

from __future__ import annotations

import itertools
import random
import sys
import time

from pymorphy3 import MorphAnalyzer

from monitor.match import Matcher
from monitor.models import Watchlist

EN = """defence ministry drone deal agreement procurement contract army air force navy
missile artillery shell ammunition tank armoured vehicle supply package aid military
support partner ally summit minister president government parliament budget fund
production factory industry export import sanction energy grid attack strike front
line border security council training brigade soldier officer general command radar
satellite system launcher battery rocket interceptor weapon equipment delivery
coalition capability investment reform strategy plan priority list need request
European Union NATO Pentagon Washington Brussels Kyiv London Berlin Paris Warsaw
signed announced said confirmed reported approved delivered received discussed
new first second third large small joint national international strategic urgent
week month year today yesterday million billion percent price cost""".split()

UK = """міністерство оборона дрон угода закупівля контракт армія флот ракета снаряд
боєприпас танк техніка постачання пакет допомога підтримка партнер союзник саміт
міністр президент уряд парламент бюджет фонд виробництво завод промисловість експорт
санкція енергетика мережа атака удар фронт кордон безпека рада навчання бригада
солдат офіцер командування радар супутник система батарея зброя обладнання
коаліція інвестиція реформа стратегія план пріоритет перелік потреба запит
новий перший великий малий спільний національний міжнародний стратегічний терміновий
тиждень місяць рік сьогодні мільйон мільярд відсоток ціна вартість Україна Європа
підписати оголосити заявити підтвердити повідомити затвердити передати отримати""".split()


EN_FUNCTION = """the of and to in a is that for on with as by at from was were be has have
it its this an are will not but which after over about into more than their""".split()
UK_FUNCTION = """і в у на з що до за про для та від не як це по із але також які який яка
щодо під час після було буде має""".split()


def vocabulary(morph: MorphAnalyzer, rng: random.Random) -> dict[str, list[str]]:
    """Word pools: domain words (inflected), function words, generic words."""
    uk_domain: list[str] = []
    for lemma in UK:
        forms = sorted({p.word for p in morph.parse(lemma.lower())[0].lexeme})[:12]
        uk_domain += [f.capitalize() if lemma[0].isupper() else f for f in forms]
    en_domain = EN + [w + "s" for w in EN[:80]] + [w + "ing" for w in EN[:40]]
    known = itertools.islice(morph.dictionary.iter_known_words(), 0, 3_000_000, 600)
    uk_generic = [w for w, *_ in known]
    letters = "abcdefghiklmnoprstuvwy"
    en_generic = ["".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(4000)]
    return {
        "en_domain": en_domain,
        "uk_domain": uk_domain,
        "en": en_domain + EN_FUNCTION * 8 + en_generic[:1000],
        "uk": uk_domain + UK_FUNCTION * 8 + uk_generic[:1000],
        "en_typical": en_generic + EN_FUNCTION * 80 + en_domain * 2,
        "uk_typical": uk_generic + UK_FUNCTION * 80 + uk_domain * 2,
    }


def make_terms(rng: random.Random, pools: dict[str, list[str]], n: int = 200) -> list[Watchlist]:
    terms: list[str] = []
    while len(terms) < n:
        words = UK if len(terms) % 2 else EN
        k = rng.choice((1, 2, 2, 3, 4))
        terms.append(" ".join(rng.choice(words) for _ in range(k)))
    return [
        Watchlist(f"w{i}", tuple(terms[i : i + 20]), case_sensitive=(i == 0))
        for i in range(0, n, 20)
    ]


def make_items(
    rng: random.Random, n: int, en: list[str], uk: list[str]
) -> list[tuple[str, str]]:
    def text(words: int) -> str:
        pool = rng.choice((en, uk, en + uk))
        out = [rng.choice(pool) for _ in range(words)]
        return " ".join(w + rng.choice(("", "", "", "", ",", ".")) for w in out)

    return [(text(12), text(60)) for _ in range(n)]


def run(matcher: Matcher, items: list[tuple[str, str]], label: str) -> None:
    t0 = time.perf_counter()
    hits = sum(len(matcher.match(t, s)) for t, s in items)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t, s in items:
        matcher.match(t, s)
    warm = time.perf_counter() - t0
    n = len(items)
    print(
        f"{label}: {n} items, {hits / n:.1f} hits/item; "
        f"first pass {n / cold:,.0f} items/s, warm {n / warm:,.0f} items/s"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rng = random.Random(1)
    morph = MorphAnalyzer(lang="uk")
    pools = vocabulary(morph, rng)
    watchlists = make_terms(rng, pools)
    print(f"200 terms in {len(watchlists)} watchlists, 1-4 words, English + Ukrainian")
    items = make_items(rng, n, pools["en_typical"], pools["uk_typical"])
    run(Matcher(watchlists), items, "typical (broad vocabulary)")
    items = make_items(rng, n, pools["en"], pools["uk"])
    run(Matcher(watchlists), items, "dense (mostly watchlist words)")


if __name__ == "__main__":
    main()
