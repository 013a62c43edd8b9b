from django.conf import settings


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
