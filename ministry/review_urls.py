"""Reviewer pages, mounted at /reviews/."""

from django.urls import path

from ministry.views import reviews

app_name = "reviews"

urlpatterns = [
    path("", reviews.assignment_list, name="list"),
    path("<int:pk>/", reviews.assignment_detail, name="detail"),
    path("<int:pk>/conflict/", reviews.conflict_declare, name="conflict"),
    path("<int:pk>/conflict/lift/", reviews.conflict_lift_request, name="conflict_lift"),
]
