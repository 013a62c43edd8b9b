"""The portal's form renderer: one field template for every form on every screen.

``FORM_RENDERER`` (settings) points here. Templates render a field with
``{{ form.x.as_field_group }}`` (or ``{{ field.as_field_group }}`` in a loop), and
``templates/includes/field.html`` alone defines the markup: label or legend, the
required marker, help text and errors with the ids Django's ``aria-describedby``
points at. ``TemplatesSetting`` loads templates through ``TEMPLATES``, so the
field template lives with the other project templates and widgets still come
from ``django.forms`` (in ``INSTALLED_APPS``).
"""

from django.forms.renderers import TemplatesSetting


class PortalFormRenderer(TemplatesSetting):
    field_template_name = "includes/field.html"
