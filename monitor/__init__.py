"""monitor: watch defence-policy news feeds, tag them by watchlist, brief from them."""

__version__ = "0.1.0"
