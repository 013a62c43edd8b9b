"""The policy pages a Japanese public-sector site publishes, linked from every page's footer:
the accessibility statement (ウェブアクセシビリティ方針), the privacy policy and the contact page."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from cluster_portal.cache import public_page
from public import accessibility


@public_page
def accessibility_statement(request):
    return render(
        request,
        "policies/accessibility.html",
        {
            "target": accessibility.TARGET,
            "target_level": accessibility.TARGET_LEVEL,
            "audit": accessibility.LATEST_AUDIT,
            "contact_url": reverse("public:contact"),
        },
    )


@public_page
def privacy_policy(request):
    return render(
        request,
        "policies/privacy.html",
        {
            "retention_days": settings.LOG_RETENTION_DAYS,
            "session_hours": settings.SESSION_COOKIE_AGE // 3600,
            "contact_email": settings.CONTACT_EMAIL,
        },
    )


@public_page
def contact(request):
    return render(request, "policies/contact.html", {"contact_email": settings.CONTACT_EMAIL})
