from django.urls import path

from public.views import clusters as views

app_name = "regions"

urlpatterns = [
    path("", views.region_list, name="list"),
    path("<slug:slug>/", views.region_detail, name="detail"),
]
