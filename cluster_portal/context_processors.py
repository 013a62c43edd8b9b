from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils.translation import get_language_info

from cluster_portal import languages


def portal(request):
    """Values every template needs: the portal name and what the navigation shows for this user."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "nav_role_label": user.get_role_display() if signed_in and user.role else "",
        # Same rule as PortalAdminSite.has_permission: administrators, not merely is_staff.
        "nav_show_admin": signed_in and user.is_administrator,
    }


def language_alternates(request):
    """The current page in every language: the switcher's links (query string kept) and the
    ``hreflang`` alternates (the page's canonical address, no query string; x-default Japanese)."""
    path = getattr(request, "path", "")
    if not path or not languages.has_languages(path):
        return {"language_alternates": [], "language_x_default": ""}
    try:
        base = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:  # the 400 page for a foreign Host header: no address to offer
        return {"language_alternates": [], "language_x_default": ""}
    full_path = request.get_full_path()
    alternates = [
        {
            "code": code,
            "name_local": get_language_info(code)["name_local"],
            "switch_url": languages.address_in(full_path, code),
            "href": base + languages.address_in(path, code),
        }
        for code, _name in settings.LANGUAGES
    ]
    return {
        "language_alternates": alternates,
        "language_x_default": base + languages.address_in(path, settings.LANGUAGE_CODE),
    }
