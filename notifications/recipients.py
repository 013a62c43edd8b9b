"""Who receives what: the user sets the domain services address notifications to."""

from cluster_portal.models import Role, User


def ministry_staff():
    return User.objects.filter(role=Role.MINISTRY, is_active=True).order_by("pk")


def headquarters_staff(region_id: int, *extra):
    """Active headquarters staff of a region, plus any further users given (e.g. a proposal's author)."""
    users = list(User.objects.filter(headquarters__region_id=region_id, is_active=True).order_by("pk"))
    return users + [user for user in extra if user is not None]
