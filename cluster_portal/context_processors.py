from django.conf import settings


def portal(request):
    """Values every template needs: the portal name and the user's role flags."""
    return {"PORTAL_NAME": settings.PORTAL_NAME}
