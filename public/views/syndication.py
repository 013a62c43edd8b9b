"""Feeds of events (RSS 2.0) and of new results (Atom), the events as an iCalendar (RFC 5545) and
the favicon. Published data only, the same for every visitor: served through the page cache."""

from __future__ import annotations

import datetime

from django.contrib.staticfiles import finders
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control

from cluster_portal.cache import public_page
from cluster_portal.templatetags.portal import localized
from projects.models import Outcome
from regions.models import Event

FEED_ITEMS = 50


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def published_events():
    return Event.objects.published().select_related("region", "region__program").order_by("-starts_on", "-pk")


class EventFeed(Feed):
    """The newest events (by date held) as RSS 2.0."""

    title = _("知的クラスター創成事業のフォーラム・イベント")
    description = _("各クラスターのフォーラム、成果発表会、セミナー、展示会の新着です。")

    def link(self):
        return reverse("public:event_list")

    def items(self):
        return published_events()[:FEED_ITEMS]

    def item_title(self, item):
        return str(localized(item, "title"))

    def item_description(self, item):
        parts = [item.starts_on.isoformat(), item.get_kind_display(), item.region.display_name, item.venue]
        summary = " / ".join(str(part) for part in parts if part)
        return f"{summary}\n{item.description}" if item.description else summary

    def item_link(self, item):
        return reverse("public:event_detail", args=[item.code])

    def item_guid(self, item):
        return item.code

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return _midnight(item.starts_on)

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.get_kind_display()]


class ResultFeed(Feed):
    """The newest published results (patents, papers, products …) as Atom."""

    feed_type = Atom1Feed
    title = _("知的クラスター創成事業の成果の新着")
    subtitle = _("特許出願、論文、製品化など、共同研究プロジェクトの新しい成果です。")

    def link(self):
        return reverse("public:result_list")

    def items(self):
        return (
            Outcome.objects.published()
            .select_related("project", "project__region", "project__region__program")
            .order_by("-occurred_on", "-pk")[:FEED_ITEMS]
        )

    def item_title(self, item):
        return f"{item.get_kind_display()}：{localized(item, 'title')}"

    def item_description(self, item):
        project = f"{item.project.code} {localized(item.project, 'title')}（{item.project.region.display_name}）"
        return f"{project}\n{item.description}" if item.description else project

    def item_link(self, item):
        return reverse("public:result_detail", args=[item.code])

    def item_guid(self, item):
        return item.code

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return _midnight(item.occurred_on)

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.get_kind_display()]


event_feed = public_page(EventFeed())
result_feed = public_page(ResultFeed())


# --- iCalendar (RFC 5545) ------------------------------------------------------------------------


def ical_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks escaped."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ical_fold(line: str) -> str:
    """A content line folded at 75 octets (§3.1), never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1  # the continuation starts with one space
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _ical_date(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def ical_calendar(request, events) -> str:
    host = request.get_host().split(":")[0]
    now = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Cluster Portal//Events//JA",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ical_text(EventFeed.title)}",
    ]
    for event in events:
        last_day = event.ends_on or event.starts_on
        stamp = event.updated_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ") if event.updated_at else now
        parts = (event.get_kind_display(), event.region.display_name, event.organizer)
        description = " / ".join(str(part) for part in parts if part)
        if event.description:
            description += "\n" + event.description
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.code}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_ical_date(event.starts_on)}",
            # DTEND of an all-day event is the day after the last one (exclusive)
            f"DTEND;VALUE=DATE:{_ical_date(last_day + datetime.timedelta(days=1))}",
            f"SUMMARY:{ical_text(localized(event, 'title'))}",
            f"DESCRIPTION:{ical_text(description)}",
            f"URL:{request.build_absolute_uri(reverse('public:event_detail', args=[event.code]))}",
        ]
        if event.venue:
            lines.append(f"LOCATION:{ical_text(event.venue)}")
        lines.append(f"CATEGORIES:{ical_text(event.get_kind_display())}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(ical_fold(line) + "\r\n" for line in lines)


@public_page
def events_ics(request):
    """Every published event as one calendar, for calendar applications to subscribe to."""
    body = ical_calendar(request, published_events())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cluster-events.ics"'
    return response


# --- favicon -------------------------------------------------------------------------------------


@cache_control(public=True, max_age=86400)
def favicon(request):
    """``/favicon.ico`` (browsers ask for it at the root whatever the page says): the static file."""
    found = finders.find("favicon.ico")
    if not found:
        raise Http404
    with open(found, "rb") as icon:
        return HttpResponse(icon.read(), content_type="image/x-icon")
