"""Coordinator pages of the headquarters workspace; included by ``workspace.urls``."""

from django.urls import path

from workspace.views import coordinators as views

urlpatterns = [
    path("coordinators/", views.coordinator_list, name="coordinator_list"),
    path("coordinators/new/", views.coordinator_create, name="coordinator_create"),
    path("coordinators/<int:pk>/", views.coordinator_detail, name="coordinator_detail"),
    path("coordinators/<int:pk>/edit/", views.coordinator_edit, name="coordinator_edit"),
    path("coordinators/<int:coordinator_pk>/activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
]
