"""An English-speaking visitor crawls the portal under /en/ and meets no Japanese interface text.

The crawl starts at /en/, follows every internal /en/ link breadth-first (up to ``PAGE_LIMIT``
pages) and adds the English alternates of the sitemaps. On each page the visible text and the
attributes people read (``title``, ``aria-label``, ``alt``, ``placeholder``, ``content`` of meta
tags) must contain no Japanese character and no full-width punctuation, except:

* inside an element marked ``lang="ja"`` (the switcher's 「日本語」 link, data shown in Japanese);
* data values that have no English version: every text value in the database whose model has no
  ``<field>_en`` or whose ``<field>_en`` is empty. A value whose English field is filled is not
  excused: showing its Japanese form fails the test.
"""

from __future__ import annotations

import io
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.utils import translation

pytestmark = pytest.mark.django_db

PAGE_LIMIT = 160
JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
READ_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder", "aria-description"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SKIPPED_ELEMENTS = {"script", "style"}


class _TextCollector(HTMLParser):
    """The text a reader meets, minus elements in Japanese (lang="ja") and scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, excluded)
        self.texts: list[str] = []
        self.links: list[str] = []

    @property
    def excluded(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        excluded = self.excluded or attributes.get("lang") == "ja" or tag in SKIPPED_ELEMENTS
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if not excluded:
            for name in READ_ATTRIBUTES & attributes.keys():
                self.texts.append(attributes[name] or "")
            if tag == "meta" and (
                attributes.get("name") == "description" or (attributes.get("property") or "").startswith("og:")
            ):
                self.texts.append(attributes.get("content") or "")
        if tag not in VOID:
            self.stack.append((tag, excluded))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if not self.excluded:
            self.texts.append(data)


def data_without_english() -> list[str]:
    """Every text value that has no English version, longest first (so a longer value is cut whole)."""
    values: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label not in {"regions", "projects", "coordinators"}:
            continue
        text_fields = [
            field.name for field in model._meta.get_fields() if isinstance(field, (models.CharField, models.TextField))
        ]
        names = set(text_fields)
        for row in model._default_manager.values(*text_fields):
            for name in text_fields:
                if name.endswith("_en"):
                    continue
                value = row[name]
                if not value or not JAPANESE.search(value):
                    continue
                if f"{name}_en" in names and row[f"{name}_en"]:
                    continue  # has English: must be shown in English
                values.add(value)
    return sorted(values, key=len, reverse=True)


def japanese_ui_text(html: str, excused: list[str]) -> list[str]:
    collector = _TextCollector()
    collector.feed(html)
    text = "\n".join(collector.texts)
    for value in excused:
        if value in text:
            text = text.replace(value, " ")
    return sorted({line.strip() for line in text.splitlines() if JAPANESE.search(line)})


def internal_english_links(base: str, html: str) -> list[str]:
    collector = _TextCollector()
    collector.feed(html)
    found = []
    for href in collector.links:
        parts = urlsplit(urljoin(base, href))
        if parts.netloc not in ("", "testserver") or not parts.path.startswith("/en/"):
            continue
        if re.search(r"\.(csv|json|xlsx|ics|rss|atom|xml|zip)$", parts.path) or "format=" in parts.query:
            continue  # downloads and feeds: data files, not pages
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def sitemap_english_addresses(client, per_section: int) -> list[str]:
    """The English alternates the sitemaps name: every static page, the first few of each section."""
    index = client.get("/sitemap.xml").content.decode()
    addresses = []
    for section in re.findall(r"<loc>http://testserver(/sitemap-[^<]+)</loc>", index):
        body = client.get(section.replace("&amp;", "&")).content.decode()
        english = list(dict.fromkeys(re.findall(r'hreflang="en" href="http://testserver(/en/[^"]*)"', body)))
        addresses += english if "pages" in section else english[:per_section]
    return addresses


@pytest.fixture
def demo_portal(db):
    call_command("load_demo", "--allow-without-debug", stdout=io.StringIO())


def test_english_crawl_finds_no_japanese_interface_text(client, demo_portal):
    excused = data_without_english()
    sitemap = sitemap_english_addresses(client, per_section=12)
    assert len(sitemap) > 30
    queue = deque(["/en/", *sitemap])  # then every link found, breadth-first
    seen: set[str] = set()
    problems: dict[str, list[str]] = {}
    visited = 0
    while queue and visited < PAGE_LIMIT:
        address = queue.popleft()
        if address in seen:
            continue
        seen.add(address)
        response = client.get(address)
        translation.activate("ja")
        if response.status_code in (301, 302):
            continue
        assert response.status_code == 200, address
        if "text/html" not in response["Content-Type"]:
            continue
        visited += 1
        html = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
        assert '<html lang="en">' in html, address
        found = japanese_ui_text(html, excused)
        if found:
            problems[address] = found[:8]
        queue.extend(link for link in internal_english_links(address, html) if link not in seen)
    assert visited > 30
    assert problems == {}, "\n".join(f"{page}: {found}" for page, found in problems.items())


def test_the_checker_catches_an_untranslated_label_and_excuses_marked_data():
    page = '<html lang="en"><body><h1>Clusters</h1><p lang="ja">札幌地域</p><label>テーマ</label></body></html>'
    assert japanese_ui_text(page, []) == ["テーマ"]
    assert japanese_ui_text(page.replace("テーマ", "Theme"), []) == []
    assert japanese_ui_text('<p>Address: 静岡県</p><p aria-label="（0）">x</p>', ["静岡県"]) == ["（0）"]
