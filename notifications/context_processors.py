from django.utils.functional import SimpleLazyObject

from notifications.models import Notification


def notifications(request):
    """``unread_notifications``: the signed-in user's unread count for the header (counted only when shown)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: Notification.objects.for_user(user).unread().count())}
