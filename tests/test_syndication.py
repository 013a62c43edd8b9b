"""Sharing and syndication (issue 17, part 6): feeds, the iCalendar, JSON-LD, og tags, the
sitemaps and the favicon, as a feed reader, a calendar, a search engine or a social network sees them."""

import datetime
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def parse_xml(content: bytes):
    """The portal's own responses, parsed as a feed reader would."""
    return ET.fromstring(content)  # noqa: S314 (our own output, in tests)


ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class HeadParser(HTMLParser):
    """The page's ``<meta property=…>`` values and its JSON-LD blocks."""

    def __init__(self):
        super().__init__()
        self.meta, self.json_ld, self.icons = {}, [], []
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "property" in attrs:
            self.meta[attrs["property"]] = attrs.get("content")
        if tag == "link" and attrs.get("rel") == "icon":
            self.icons.append(attrs["href"])
        self._in_json_ld = tag == "script" and attrs.get("type") == "application/ld+json"

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag):
        self._in_json_ld = False


def head(client, url) -> HeadParser:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = HeadParser()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def world():
    region = factories.RegionFactory(name="富山", cluster_name="ほくりく健康創造")
    company = factories.OrganizationFactory(company=True, url="https://example.co.jp/")
    project = factories.ProjectFactory(region=region, title="がんの早期診断", host_organization=company)
    factories.ParticipationFactory(project=project, organization=company)
    published = factories.OutcomeFactory(project=project, title="公開の論文")
    hidden = factories.OutcomeFactory(project=project, title="非公開の特許", unpublished=True)
    event = factories.EventFactory(
        region=region,
        title="成果発表会; 富山, 2009",
        starts_on=datetime.date(2009, 2, 10),
        ends_on=datetime.date(2009, 2, 11),
        venue="富山国際会議場, 大ホール",
        description="午前: 講演\n午後: 展示",
    )
    hidden_event = factories.EventFactory(region=region, title="準備中のセミナー", is_published=False)
    return {
        "region": region,
        "company": company,
        "project": project,
        "published": published,
        "hidden": hidden,
        "event": event,
        "hidden_event": hidden_event,
    }


# --- feeds ---------------------------------------------------------------------------------------


def test_event_feed_is_rss_of_published_events_linking_their_pages(client, world):
    response = client.get(reverse("public:event_feed"))
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = parse_xml(response.content).find("channel")
    titles = [item.findtext("title") for item in channel.iter("item")]
    links = [item.findtext("link") for item in channel.iter("item")]
    assert titles == ["成果発表会; 富山, 2009"]
    assert links == [f"http://testserver{reverse('public:event_detail', args=[world['event'].code])}"]
    assert "Set-Cookie" not in response


def test_result_feed_is_atom_of_published_results_only(client, world):
    response = client.get(reverse("public:result_feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = parse_xml(response.content)
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert len(entries) == 1 and "公開の論文" in titles[0]
    assert not any("非公開の特許" in title for title in titles)
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.endswith(reverse("public:result_detail", args=[world["published"].code]))


def test_pages_announce_their_feeds(client, world):
    page = client.get(reverse("public:event_list")).content.decode()
    assert 'type="application/rss+xml" title="' in page and reverse("public:event_feed") in page
    assert reverse("public:result_feed") in page


# --- iCalendar -----------------------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_calendar_is_rfc5545_with_crlf_and_escaped_text(client, world):
    response = client.get(reverse("public:event_ics"))
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))  # folded
    lines = unfold(text)
    assert lines.count("BEGIN:VEVENT") == 1  # the unpublished event is not in it
    assert "SUMMARY:成果発表会\\; 富山\\, 2009" in lines
    assert "LOCATION:富山国際会議場\\, 大ホール" in lines
    assert "DTSTART;VALUE=DATE:20090210" in lines
    assert "DTEND;VALUE=DATE:20090212" in lines  # exclusive: the day after the last day
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "午前: 講演\\n午後: 展示" in description
    assert f"UID:{world['event'].code}@testserver" in lines
    assert "準備中のセミナー" not in text


def test_ical_fold_never_splits_a_character():
    from public.views.syndication import ical_fold

    folded = ical_fold("SUMMARY:" + "知" * 60)
    for line in folded.split("\r\n"):
        assert len(line.encode()) <= 75
        line.encode().decode()  # whole UTF-8 characters
    assert folded.replace("\r\n ", "") == "SUMMARY:" + "知" * 60


# --- event pages ---------------------------------------------------------------------------------


def test_event_page_shows_the_event_and_hides_unpublished_ones(client, world):
    event = world["event"]
    page = client.get(reverse("public:event_detail", args=[event.code])).content.decode()
    assert "成果発表会; 富山, 2009" in page and "富山国際会議場, 大ホール" in page
    listed = client.get(reverse("public:event_list")).content.decode()
    assert reverse("public:event_detail", args=[event.code]) in listed  # the list links the page
    assert client.get(reverse("public:event_detail", args=[world["hidden_event"].code])).status_code == 404


# --- JSON-LD -------------------------------------------------------------------------------------


def only_json_ld(client, url) -> dict:
    blocks = head(client, url).json_ld
    assert len(blocks) == 1, blocks
    assert blocks[0]["@context"] == "https://schema.org"
    return blocks[0]


def test_project_json_ld_is_a_research_project(client, world):
    project = world["project"]
    data = only_json_ld(client, project.get_absolute_url())
    assert data["@type"] == "ResearchProject"
    assert data["name"] == "がんの早期診断"
    assert data["url"] == f"http://testserver{project.get_absolute_url()}"
    assert data["identifier"] == project.code
    assert data["foundingDate"] == "2008-04-01"
    assert data["member"][0]["name"] == world["company"].name


def test_event_json_ld_is_an_event_with_dates_and_place(client, world):
    event = world["event"]
    data = only_json_ld(client, reverse("public:event_detail", args=[event.code]))
    assert data["@type"] == "Event"
    assert data["name"] == "成果発表会; 富山, 2009"
    assert data["url"].endswith(reverse("public:event_detail", args=[event.code]))
    assert (data["startDate"], data["endDate"]) == ("2009-02-10", "2009-02-11")
    assert data["location"]["name"] == "富山国際会議場, 大ホール"


def test_organization_json_ld(client, world):
    company = world["company"]
    data = only_json_ld(client, reverse("public:organization_detail", args=[company.slug]))
    assert data["@type"] == "Organization"
    assert data["name"] == company.name
    assert data["url"].endswith(reverse("public:organization_detail", args=[company.slug]))
    assert data["sameAs"] == "https://example.co.jp/"


def test_opendata_json_ld_lists_datasets_with_licence_and_downloads(client, world):
    data = only_json_ld(client, reverse("public:opendata"))
    assert data["@type"] == "DataCatalog"
    datasets = {dataset["identifier"]: dataset for dataset in data["dataset"]}
    assert {"clusters", "projects", "results", "events"} <= set(datasets)
    results = datasets["results"]
    assert results["@type"] == "Dataset" and results["name"] and results["url"]
    assert results["license"].startswith("https://creativecommons.org/licenses/by/4.0/")
    downloads = {item["encodingFormat"]: item["contentUrl"] for item in results["distribution"]}
    assert downloads == {
        "text/csv": f"http://testserver{reverse('public:opendata_download', args=['results', 'csv'])}",
        "application/json": f"http://testserver{reverse('public:opendata_download', args=['results', 'json'])}",
    }
    assert client.get(downloads["text/csv"]).status_code == 200


def test_json_ld_cannot_close_its_script_element(client, world):
    world["event"].description = "</script><script>alert(1)</script>"
    world["event"].save()
    page = client.get(reverse("public:event_detail", args=[world["event"].code])).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "<" not in block
    assert json.loads(block)["description"] == "</script><script>alert(1)</script>"


# --- og tags and the favicon ---------------------------------------------------------------------


def test_og_title_and_description_are_the_pages_own(client, world):
    urls = [
        world["region"].get_absolute_url(),
        world["project"].get_absolute_url(),
        reverse("public:result_detail", args=[world["published"].code]),
        reverse("public:organization_detail", args=[world["company"].slug]),
        reverse("public:event_detail", args=[world["event"].code]),
        reverse("home"),
    ]
    metas = [head(client, url).meta for url in urls]
    titles = [meta["og:title"] for meta in metas]
    descriptions = [meta["og:description"] for meta in metas]
    assert len(set(titles)) == len(urls), titles
    assert len(set(descriptions)) == len(urls), descriptions
    assert "がんの早期診断" in titles[1] and "成果発表会; 富山, 2009" in titles[4]
    for meta in metas:
        image = meta["og:image"]
        assert image.startswith("http://testserver/static/") and image.endswith(".png")


def test_og_image_and_favicon_are_served_by_the_portal(client, world):
    from django.contrib.staticfiles import finders

    parser = head(client, reverse("home"))
    # static files (served by WhiteNoise from the collected files in production): the portal's own
    image = finders.find(parser.meta["og:image"].removeprefix("http://testserver/static/"))
    with open(image, "rb") as png:
        header = png.read(24)
    assert header.startswith(b"\x89PNG") and int.from_bytes(header[16:20]) == 1200  # 1200 × 630
    assert finders.find(parser.icons[0].removeprefix("/static/"))
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "Set-Cookie" not in response


# --- sitemaps ------------------------------------------------------------------------------------


def sitemap_locations(client) -> set[str]:
    index = parse_xml(client.get("/sitemap.xml").content)
    assert index.tag == f"{SITEMAP}sitemapindex"
    locations = set()
    for section in index.iter(f"{SITEMAP}loc"):
        response = client.get(section.text.removeprefix("http://testserver"))
        assert response.status_code == 200, section.text
        locations |= {loc.text for loc in parse_xml(response.content).iter(f"{SITEMAP}loc")}
    return locations


def test_sitemap_index_covers_every_published_page_and_no_unpublished_one(client, world):
    more = [factories.OutcomeFactory(project=world["project"]) for _ in range(5)]
    hidden_project = factories.ProjectFactory(region=world["region"], unpublished=True)
    locations = sitemap_locations(client)

    def absolute(path):
        return f"http://testserver{path}"

    for outcome in [world["published"], *more]:
        assert absolute(reverse("public:result_detail", args=[outcome.code])) in locations
    assert absolute(reverse("public:result_detail", args=[world["hidden"].code])) not in locations
    assert absolute(reverse("public:event_detail", args=[world["event"].code])) in locations
    assert absolute(reverse("public:event_detail", args=[world["hidden_event"].code])) not in locations
    assert absolute(world["project"].get_absolute_url()) in locations
    assert absolute(hidden_project.get_absolute_url()) not in locations
    assert absolute(world["region"].get_absolute_url()) in locations
    assert absolute(reverse("public:organization_detail", args=[world["company"].slug])) in locations
    for name in ("home", "projects:list", "public:event_list", "public:opendata"):
        assert absolute(reverse(name)) in locations


def test_robots_txt_names_the_sitemap_index(client):
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode()
