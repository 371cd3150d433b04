"""Imported by the parse pool's fork server alone (see ``pool._process_pool``): what every
worker needs, loaded once before the workers fork from it.

Besides the parsers and the pool's worker side (:mod:`.work`, without asyncio), that is
pymorphy3's Ukrainian dictionaries (~50 ms of CPU to load) and the Snowball stemmers
(~10 ms): loaded here, the workers start with them (shared copy-on-write) instead of each
loading its own before its first match.
"""

from __future__ import annotations

import concurrent.futures.process  # noqa: F401  (imported for the workers: their main loop)

import monitor.parse.feed  # noqa: F401
import monitor.parse.work  # noqa: F401
from monitor.wordforms import normalise_token

try:
    normalise_token("оборона")  # a Cyrillic word: the analyzer is created, its dictionaries read
    normalise_token("defence")  # an English one: the stemmer
except Exception:  # the fork server must start whatever happens: each worker tries again
    pass
