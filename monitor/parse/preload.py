"""Imported by the parse pool's fork server alone (see ``pool._process_pool``): what every
worker needs, loaded once before the workers fork from it.

Besides the parsers and the pool's worker side, that is pymorphy3's Ukrainian dictionaries
(~50 ms of CPU to load): loaded here, the workers start with them (shared copy-on-write)
instead of each loading its own copy before its first match.
"""

from __future__ import annotations

import monitor.parse.feed  # noqa: F401  (imported for the workers)
import monitor.parse.pool  # noqa: F401
from monitor.wordforms import normalise_token

try:
    normalise_token("оборона")  # a Cyrillic word: the analyzer is created, its dictionaries read
except Exception:  # the fork server must start whatever happens: each worker tries again
    pass
