"""OPML in and out: bring feeds from newsboat, Miniflux, FreshRSS, Feedly or Inoreader.

Import is forgiving per outline and strict about the file: one bad outline is reported and
skipped, never aborts the rest; a file with a DOCTYPE or ENTITY declaration, too large or too
deeply nested is refused whole. Folders (nested outlines, or the `category` attribute) become
the feed's `folder`; duplicates (same URL after normalisation, within the file or against
feeds.toml) are skipped. Export writes OPML 2.0 with folders as outlines; page and sitemap
sources, which other readers cannot poll, travel in a `monitor:` namespace that they skip.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .errors import MonitorError
from .models import Config, FeedConfig
from .text import is_http_url, one_line

MONITOR_NS = "urn:x-monitor:opml:1"
MAX_OPML_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 32
MAX_OUTLINES = 20_000
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_NS = f"{{{MONITOR_NS}}}"


class OpmlError(MonitorError):
    """The OPML file as a whole cannot be read (one line, names the file)."""

    exit_code = 2


@dataclass(frozen=True)
class Skipped:
    """An outline that was not imported, and why."""

    title: str
    url: str
    reason: str


@dataclass
class ImportPlan:
    """What an import would add to feeds.toml, and what it leaves out."""

    added: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[Skipped] = field(default_factory=list)
    invalid: list[Skipped] = field(default_factory=list)


def normalise_url(url: str) -> str:
    """A URL's identity for duplicate checks: scheme and host lower-cased, default port,
    fragment and a trailing slash dropped (``HTTP://Example.org:80/rss/#x`` is
    ``http://example.org/rss``)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, {"http": 80, "https": 443}.get(scheme)) else None
    netloc = host + (f":{port}" if port else "")
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def plan_import(data: bytes, source: str, config: Config) -> ImportPlan:
    """Read an OPML document and decide, outline by outline, what to add.

    ``source`` names the file in errors; ``config`` is the feeds.toml in use, for duplicate
    URLs and names. Raises OpmlError when the file as a whole is unusable."""
    root = _parse(data, source)
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise OpmlError(f"{source}: not an OPML file (no <opml><body>)")
    plan = ImportPlan()
    seen_urls = {normalise_url(f.url): f.name for f in config.feeds}
    names = {f.name for f in config.feeds}
    for outline, folders in _feed_outlines(body, source):
        _plan_outline(outline, folders, plan, seen_urls, names)
    return plan


def _plan_outline(
    outline: ET.Element,
    folders: tuple[str, ...],
    plan: ImportPlan,
    seen_urls: dict[str, str],
    names: set[str],
) -> None:
    attrs = outline.attrib
    kind = attrs.get(f"{_NS}kind", "feed")
    url = (attrs.get("xmlUrl") or attrs.get(f"{_NS}url") or "").strip()
    title = _title(attrs, url)
    if not is_http_url(url):
        plan.invalid.append(Skipped(title, one_line(url), "not an http(s) feed URL"))
        return
    if kind not in ("feed", "page", "sitemap"):
        plan.invalid.append(Skipped(title, url, f'unknown monitor:kind "{one_line(kind)}"'))
        return
    links = attrs.get(f"{_NS}links")
    if kind != "feed" and not links:
        plan.invalid.append(Skipped(title, url, f"a {kind} source without monitor:links"))
        return
    key = normalise_url(url)
    if key in seen_urls:
        plan.duplicates.append(Skipped(title, url, f'same URL as "{seen_urls[key]}"'))
        return
    name = _unique(title, names)
    entry: dict[str, Any] = {"name": name, "url": url}
    if kind != "feed":
        entry["kind"] = kind
        entry["links"] = links
    folder = " / ".join(folders) or _category(attrs.get("category", ""))
    if folder:
        entry["folder"] = folder
    if (interval := attrs.get(f"{_NS}interval", "")).isdigit() and int(interval) > 0:
        entry["interval"] = f"{int(interval)}s"
    if attrs.get(f"{_NS}enabled") == "false":
        entry["enabled"] = False
    seen_urls[key] = name
    names.add(name)
    plan.added.append(entry)


def _parse(data: bytes, source: str) -> ET.Element:
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"{source}: larger than {MAX_OPML_BYTES // (1024 * 1024)} MB, refused")
    if _DECLARATION.search(data):
        raise OpmlError(f"{source}: DOCTYPE/ENTITY declarations are refused (entity expansion)")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise OpmlError(f"{source}:{line}: not well-formed XML (column {column + 1})") from None


def _feed_outlines(body: ET.Element, source: str) -> Iterator[tuple[ET.Element, tuple[str, ...]]]:
    """Each outline that names a source, with the folder titles above it."""
    count = 0
    stack: list[tuple[ET.Element, tuple[str, ...], int]] = [
        (child, (), 1) for child in reversed(list(body))
    ]
    while stack:
        node, folders, depth = stack.pop()
        if node.tag != "outline":
            continue
        count += 1
        if depth > MAX_DEPTH or count > MAX_OUTLINES:
            what = f"deeper than {MAX_DEPTH} levels" if depth > MAX_DEPTH else "too many outlines"
            raise OpmlError(f"{source}: {what}, refused")
        attrs = node.attrib
        if attrs.get("xmlUrl") or attrs.get(f"{_NS}url"):
            yield node, folders
            continue
        label = _title(attrs, "")
        inner = (*folders, label) if label else folders
        stack.extend((child, inner, depth + 1) for child in reversed(list(node)))


def _title(attrs: dict[str, str], url: str) -> str:
    for key in ("title", "text", "htmlUrl", "xmlUrl"):
        if value := one_line(attrs.get(key, "")).strip():
            return value
    return one_line(url) or "untitled"


def _category(value: str) -> str:
    """Inoreader/Feedly style ``category="/News/Ukraine,/Defence"``: the first, as a folder."""
    first = value.split(",")[0].strip().strip("/")
    return " / ".join(p.strip() for p in first.split("/") if p.strip())


def _unique(name: str, names: set[str]) -> str:
    if name not in names:
        return name
    n = 2
    while f"{name} ({n})" in names:
        n += 1
    return f"{name} ({n})"


def to_opml(config: Config, *, now: datetime, title: str = "monitor feeds") -> str:
    """OPML 2.0 for every source in ``config``, folders as outlines."""
    ET.register_namespace("monitor", MONITOR_NS)
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now)
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for feed in config.feeds:
        parent = body
        if feed.folder:
            if feed.folder not in folders:
                folders[feed.folder] = ET.SubElement(
                    body, "outline", {"text": feed.folder, "title": feed.folder}
                )
            parent = folders[feed.folder]
        ET.SubElement(parent, "outline", _outline_attrs(feed, config.settings.poll_interval))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _outline_attrs(feed: FeedConfig, default_interval: float) -> dict[str, str]:
    attrs = {"text": feed.name, "title": feed.name}
    if feed.kind == "feed":
        attrs.update({"type": "rss", "xmlUrl": feed.url})
    else:  # readers that only know xmlUrl see a childless outline and skip it
        attrs.update({f"{_NS}kind": feed.kind, f"{_NS}url": feed.url})
        attrs[f"{_NS}links"] = feed.links or ""
    if feed.interval != default_interval:
        attrs[f"{_NS}interval"] = str(round(feed.interval))
    if not feed.enabled:
        attrs[f"{_NS}enabled"] = "false"
    return attrs


def report_lines(plan: ImportPlan, *, dry_run: bool) -> Sequence[str]:
    """The import report, one line per entry, then a count line."""
    verb = "would add" if dry_run else "added"
    lines = [
        f"{verb}: {e['name']}" + (f" [{e['folder']}]" if "folder" in e else "") + f" <{e['url']}>"
        for e in plan.added
    ]
    lines += [f"duplicate: {s.title} <{s.url}>: {s.reason}" for s in plan.duplicates]
    lines += [f"invalid: {s.title} <{s.url}>: {s.reason}" for s in plan.invalid]
    lines.append(
        f"{len(plan.added)} {verb}, {len(plan.duplicates)} duplicate, {len(plan.invalid)} invalid"
    )
    return lines
