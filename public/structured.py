"""schema.org JSON-LD of the public pages (``{{ data|json_ld }}`` in the templates renders it).

Each builder takes what the page's view has already loaded, so adding the data costs no query.
Absolute addresses come from the request (the same host as the page's canonical link).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from cluster_portal.templatetags.portal import localized

CONTEXT = "https://schema.org"
MINISTRY = {"@type": "GovernmentOrganization", "name": "文部科学省", "alternateName": "MEXT"}


def _url(request, path: str) -> str:
    return request.build_absolute_uri(path)


def organization(request, organization) -> dict:
    data = {
        "@context": CONTEXT,
        "@type": "Organization",
        "name": str(localized(organization, "name")),
        "url": _url(request, reverse("public:organization_detail", args=[organization.slug])),
        "identifier": organization.slug,
    }
    if organization.name_en and data["name"] != organization.name_en:
        data["alternateName"] = organization.name_en
    if organization.url:
        data["sameAs"] = organization.url
    if organization.prefecture_id:
        data["address"] = {
            "@type": "PostalAddress",
            "addressRegion": str(localized(organization.prefecture, "name")),
            "addressCountry": "JP",
        }
    if organization.parent_id:
        data["parentOrganization"] = {"@type": "Organization", "name": str(localized(organization.parent, "name"))}
    return data


def project(request, project, participations=()) -> dict:
    data = {
        "@context": CONTEXT,
        "@type": "ResearchProject",
        "name": str(localized(project, "title")),
        "url": _url(request, project.get_absolute_url()),
        "identifier": project.code,
        "foundingDate": project.start_date.isoformat(),
        "funder": MINISTRY,
        "parentOrganization": {
            "@type": "Organization",
            "name": project.region.display_name,
            "url": _url(request, project.region.get_absolute_url()),
        },
    }
    if project.end_date:
        data["dissolutionDate"] = project.end_date.isoformat()
    if project.summary:
        data["description"] = project.summary
    members = [
        {
            "@type": "Organization",
            "name": str(localized(participation.organization, "name")),
            "url": _url(request, reverse("public:organization_detail", args=[participation.organization.slug])),
        }
        for participation in participations
    ]
    if members:
        data["member"] = members
    return data


def event(request, event) -> dict:
    data = {
        "@context": CONTEXT,
        "@type": "Event",
        "name": str(localized(event, "title")),
        "url": _url(request, reverse("public:event_detail", args=[event.code])),
        "identifier": event.code,
        "startDate": event.starts_on.isoformat(),
        "endDate": (event.ends_on or event.starts_on).isoformat(),
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "organizer": {"@type": "Organization", "name": event.organizer or event.region.display_name},
    }
    if event.venue:
        data["location"] = {
            "@type": "Place",
            "name": event.venue,
            "address": {"@type": "PostalAddress", "addressCountry": "JP"},
        }
    if event.description:
        data["description"] = event.description
    return data


def opendata(request, datasets, licence_url: str, last_updated=None) -> dict:
    """The open-data page: a ``DataCatalog`` of one ``Dataset`` per download, each with its licence
    and its CSV and JSON distributions."""
    catalog_url = _url(request, reverse("public:opendata"))
    publisher = {"@type": "Organization", "name": str(settings.PORTAL_NAME), "url": _url(request, reverse("home"))}
    items = []
    for dataset in datasets:
        item = {
            "@type": "Dataset",
            "name": str(dataset.title),
            "description": str(dataset.description),
            "url": f"{catalog_url}#dataset-{dataset.key}",
            "identifier": dataset.key,
            "license": licence_url,
            "isAccessibleForFree": True,
            "inLanguage": "ja",
            "publisher": publisher,
            "variableMeasured": [column.key for column in dataset.columns],
            "distribution": [
                {
                    "@type": "DataDownload",
                    "encodingFormat": media_type,
                    "contentUrl": _url(request, reverse("public:opendata_download", args=[dataset.key, extension])),
                }
                for extension, media_type in (("csv", "text/csv"), ("json", "application/json"))
            ],
        }
        if last_updated:
            item["dateModified"] = last_updated.isoformat()
        items.append(item)
    return {
        "@context": CONTEXT,
        "@type": "DataCatalog",
        "name": str(settings.PORTAL_NAME),
        "url": catalog_url,
        "license": licence_url,
        "publisher": publisher,
        "dataset": items,
    }
