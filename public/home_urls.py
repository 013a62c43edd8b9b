"""The home page, mounted at the site root without a namespace (URL name ``home``)."""

from django.urls import path

from public.views import home

urlpatterns = [
    path("", home.home, name="home"),
]
