"""A signed-in session that still owes its second factor reaches only the pages that let it pay.

Public pages are not among them: they show a signed-in user what their role may see (a ministry
user sees unpublished regions there), so until the code step such a session sees only the code
and set-up pages, the login and logout, the language switch, the health check and the footer's
policy pages (the same for everyone). Static files
are served before any of this (WhiteNoise).
"""

from django.shortcuts import redirect

from cluster_portal.two_factor import policy
from cluster_portal.two_factor.views import step_url

ALLOWED_VIEW_NAMES = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "healthz",
        "admin:logout",
        # the footer's policy pages show the same to everyone
        "public:accessibility",
        "public:privacy",
        "public:contact",
    }
)
ALLOWED_NAMESPACES = frozenset({"two_factor"})


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and (match.view_name in ALLOWED_VIEW_NAMES or match.namespace in ALLOWED_NAMESPACES):
            return None
        step = policy.pending_step(request)
        if step is None:
            return None
        return redirect(step_url(step, request.get_full_path()))
