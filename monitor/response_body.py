"""A response body read within a size cap, after decompression.

gzip and deflate are decoded incrementally and never inflated past the cap (a gzip bomb is
cut off after ``cap`` bytes); a Content-Length over the cap is refused unread. Used by
:func:`monitor.fetch.fetch` for every feed, page, sitemap and article.
"""

from __future__ import annotations

import zlib

import httpx

__all__ = ["BadEncoding", "TooLarge", "read_body"]

_CHUNK = 64 * 1024


class TooLarge(Exception):
    """The body is larger than the cap."""


class BadEncoding(Exception):
    """A Content-Encoding we do not decode, or corrupt compressed data."""


class _Decoder:
    """Incremental gzip/deflate decoder that never produces more than ``cap`` bytes."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._obj: zlib._Decompress | None = None
        self._done = False  # trailing junk seen after the last member: ignore the rest

    def _new(self, first_bytes: bytes) -> zlib._Decompress:
        if self.encoding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is zlib-wrapped per RFC, but some servers send raw deflate.
        if (
            first_bytes
            and (first_bytes[0] & 0x0F) == 8
            and (len(first_bytes) < 2 or ((first_bytes[0] << 8) | first_bytes[1]) % 31 == 0)
        ):
            return zlib.decompressobj(zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> bytes:
        """Decode ``data``; raise TooLarge as soon as output would exceed ``room`` bytes."""
        out = bytearray()
        while data and not self._done:
            if self._obj is None:
                self._obj = self._new(data)
            try:
                chunk = self._obj.decompress(data, room - len(out) + 1)
            except zlib.error as exc:
                raise BadEncoding(f"corrupt {self.encoding} data ({exc})") from None
            out += chunk
            if len(out) > room:
                raise TooLarge
            if self._obj.unconsumed_tail:
                data = self._obj.unconsumed_tail
                if not chunk:  # no progress possible
                    raise TooLarge
                continue
            if self._obj.eof:
                data = self._obj.unused_data  # a further gzip member, or trailing junk
                self._obj = None
                if data and (self.encoding != "gzip" or not data.startswith(b"\x1f\x8b")):
                    self._done = True  # trailing junk or padding after the last member
                    break
                continue
            break
        return bytes(out)

    def flush(self, room: int) -> bytes:
        if self._obj is None:
            return b""
        out = self._obj.flush(room + 1) if room >= 0 else b""
        if len(out) > room:
            raise TooLarge
        return out


async def read_body(response: httpx.Response, cap: int) -> bytes:
    """Read and decode the body, raising TooLarge as soon as it exceeds ``cap`` bytes."""
    encodings = [
        e.strip().lower()
        for e in response.headers.get("content-encoding", "").split(",")
        if e.strip() and e.strip().lower() != "identity"
    ]
    if len(encodings) > 1:
        raise BadEncoding(f"unsupported Content-Encoding {', '.join(encodings)}")
    decoder: _Decoder | None = None
    if encodings:
        name = {"x-gzip": "gzip"}.get(encodings[0], encodings[0])
        if name not in ("gzip", "deflate"):
            raise BadEncoding(f"unsupported Content-Encoding {encodings[0]}")
        decoder = _Decoder(name)
    else:
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > cap:
            raise TooLarge
    body = bytearray()
    async for raw in response.aiter_raw(_CHUNK):
        if decoder is None:
            body += raw
        else:
            body += decoder.feed(raw, cap - len(body))
        if len(body) > cap:
            raise TooLarge
    if decoder is not None:
        body += decoder.flush(cap - len(body))
    return bytes(body)
