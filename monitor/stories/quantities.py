"""Numbers with units in a title or lead ("40 drones" / "40 дронів", "1.5 billion" / "1,5
млрд"), each unit one id across the two languages: the anchors and vetoes that numbers give."""

from __future__ import annotations

import re

from monitor.match import normalise_token

# A number (thousands grouped by commas, spaces or dots; a decimal part) and the word after it.
NUM_UNIT = re.compile(
    r"(?<![\w.,])([$€£₴]?)(\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+|\d+)(?:[.,](\d+))?\s*"
    r"(%|[^\W\d_]+(?:['’ʼ][^\W\d_]+)?)?",
    re.UNICODE,
)
# Units, by English stem or Ukrainian lemma/abbreviation -> one id across the two languages.
_UNITS = {
    "million": "e6",
    "mln": "e6",
    "m": "e6",
    "мільйон": "e6",
    "млн": "e6",
    "billion": "e9",
    "bn": "e9",
    "b": "e9",
    "мільярд": "e9",
    "млрд": "e9",
    "thousand": "e3",
    "тисяча": "e3",
    "тис": "e3",
    "drone": "drone",
    "uav": "drone",
    "дрон": "drone",
    "безпілотник": "drone",
    "бпла": "drone",
    "tank": "tank",
    "танк": "tank",
    "missil": "missile",
    "rocket": "missile",
    "ракета": "missile",
    "km": "km",
    "kilomet": "km",
    "км": "km",
    "кілометр": "km",
    "%": "pct",
    "percent": "pct",
    "відсоток": "pct",
    "euro": "eur",
    "eur": "eur",
    "євро": "eur",
    "dollar": "usd",
    "usd": "usd",
    "долар": "usd",
    "hryvnia": "uah",
    "uah": "uah",
    "гривня": "uah",
    "грн": "uah",
    "shell": "shell",
    "снаряд": "shell",
    "aircraft": "aircraft",
    "jet": "aircraft",
    "plane": "aircraft",
    "літак": "aircraft",
    "soldier": "troops",
    "troop": "troops",
    "servicemen": "troops",
    "військовий": "troops",
    "peopl": "people",
    "людина": "people",
    "особа": "people",
}
CURRENCY = {"$": "usd", "€": "eur", "£": "gbp", "₴": "uah"}


def number_value(whole: str, decimals: str | None, language: str) -> str | None:
    """A matched number as one spelling ("1,130" and "1 130" -> "1130"; "1,5" -> "1.5"),
    None when it is not one; in English a comma before three digits groups thousands."""
    digits = re.sub(r"[ \u00a0\u202f,.]", "", whole)
    if not digits.isdigit():
        return None
    if decimals and not (language == "en" and len(decimals) == 3 and "," in whole + ","):
        value = f"{int(digits)}.{decimals.rstrip('0')}".rstrip(".")
    else:
        value = str(int(digits + (decimals or "")))
    return value


def unit_id(word: str | None, language: str) -> str | None:
    """The unit id of the word after a number ("drones", "дронів" -> "drone"), or None."""
    if not word:
        return None
    lower = word.lower()
    if lower in _UNITS:
        return _UNITS[lower]
    for form in sorted(normalise_token(word)):
        if form in _UNITS:
            return _UNITS[form]
    return None
