"""Template helpers of the headquarters workspace."""

from django import template
from django.utils.html import format_html

from cluster_portal.concurrency import new_form_token

register = template.Library()


@register.simple_tag
def form_token_input():
    """A hidden one-time ``form_token`` for small action forms repeated on one page (one token per form)."""
    return format_html('<input type="hidden" name="form_token" value="{}">', new_form_token())
