"""Names across scripts: a capitalised word's consonant skeleton, the same for "Umerov" and
"Умєров" (and its inflected forms), so a name can anchor an English item to a Ukrainian one."""

from __future__ import annotations

import re

from monitor.match import normalise_token

CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_CACHE_LIMIT = 200_000

# Ukrainian -> Latin (the 2010 national system, simplified), then a skeleton that forgives
# the usual spelling differences of names between the two languages.
_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "h",
        "ґ": "g",
        "д": "d",
        "е": "e",
        "є": "ie",
        "ж": "zh",
        "з": "z",
        "и": "y",
        "і": "i",
        "ї": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ь": "",
        "ю": "iu",
        "я": "ia",
        "'": "",
        "’": "",
        "ʼ": "",
        "ё": "io",
        "ы": "y",
        "э": "e",
        "ъ": "",
    }
)
_SKELETON_PAIRS = (
    ("shch", "s"),
    ("d", "t"),
    ("kh", "h"),
    ("zh", "z"),
    ("ts", "c"),
    ("ch", "c"),
    ("sh", "s"),
    ("ck", "k"),
    ("ph", "f"),
    ("w", "v"),
    ("q", "k"),
    ("x", "ks"),
    ("c", "k"),
    ("g", "h"),
    ("j", "i"),
)
# Capitalised words in nearly every item here, which would make every pair share an anchor.
_COMMON_NAMES = """Ukraine Ukrainian Україна Russia Russian Росія Minister Ministry Міністр
Міністерство President Президент Defence Defense Оборона Forces Сили General Генеральний Staff
Штаб Kyiv Київ Government Уряд Armed ЗСУ Parliament Рада Verkhovna Верховна""".split()
_common: set[str] = set()


def common_skeletons() -> set[str]:
    if not _common:
        for word in _COMMON_NAMES:
            _common.update(_skeletons_of(word))
        _common.add("")
    return _common


_VOWELS = re.compile(r"[aeiouy]")


def _skeleton(latin: str) -> str:
    s = latin.lower()
    for a, b in _SKELETON_PAIRS:
        s = s.replace(a, b)
    s = s.replace("ie", "e").replace("iu", "u").replace("ia", "a")
    if not s:
        return ""
    s = s[0] + _VOWELS.sub("", s[1:])
    s = "".join(c for i, c in enumerate(s) if i == 0 or c != s[i - 1])  # doubled letters
    return s[0] + s[1:].replace("h", "")


_skeleton_cache: dict[str, frozenset[str]] = {}


def name_skeletons(word: str) -> frozenset[str]:
    """Skeletons of a name, for every normal form of it (Ukrainian names inflect); cached."""
    found = _skeleton_cache.get(word)
    if found is None:
        if len(_skeleton_cache) >= _CACHE_LIMIT:
            _skeleton_cache.clear()
        found = _skeleton_cache[word] = frozenset(_skeletons_of(word))
    return found


def _skeletons_of(word: str) -> set[str]:
    lower = word.lower()
    cyrillic = bool(CYRILLIC.search(lower))
    forms = set(normalise_token(word)) if cyrillic else {lower}
    if not cyrillic and len(lower) > 5 and lower.endswith("s"):
        forms.add(lower[:-1])  # "Netherlands" / "Нідерланди"
    out = set()
    if word.isupper() and len(word) >= 3:  # an acronym: NATO / НАТО, PURL / PURL
        out.add("=" + lower.translate(_TRANSLIT))
    for form in forms | {lower}:
        latin = form.translate(_TRANSLIT) if CYRILLIC.search(form) else form
        if latin.isascii() and latin.isalpha():
            sk = _skeleton(latin)
            if len(sk) > 3:
                out.add(sk)
    return out
