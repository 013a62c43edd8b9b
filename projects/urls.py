from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("<str:code>/", views.project_detail, name="detail"),
]
