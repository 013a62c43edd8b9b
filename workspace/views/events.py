"""Forums and results presentations (フォーラム・成果発表会) of the user's region."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cluster_portal.guards import headquarters_required
from cluster_portal.history import history_timeline
from cluster_portal.web import conflict_response, run_once
from projects.models import JointResearchProject
from projects.services import events as event_services
from regions.models import Event
from workspace.forms import EventForm, PublicationForm


def _own_projects(user):
    return JointResearchProject.objects.editable_by(user).order_by("code")


def _data(form) -> dict:
    return {name: form.cleaned_data[name] for name in event_services.EVENT_FIELDS}


@headquarters_required
def event_list(request):
    events = (
        Event.objects.editable_by(request.user).prefetch_related("presented_projects").order_by("-starts_on", "-pk")
    )
    return render(request, "workspace/event_list.html", {"events": events})


@headquarters_required
def event_create(request):
    user = request.user
    form = EventForm(request.POST or None, projects=_own_projects(user))
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            event = event_services.event_create(
                user=user, data=_data(form), presented_projects=form.cleaned_data["presented_projects"]
            )
            return reverse("workspace:event_detail", args=[event.pk])

        response = run_once(request, form, create, success_message=_("イベントを登録しました。"))
        if response is not None:
            return response
    return render(request, "workspace/event_form.html", {"form": form}, status=400 if request.method == "POST" else 200)


@headquarters_required.of(Event)
def event_edit(request, pk):
    user = request.user
    event = get_object_or_404(Event.objects.editable_by(user), pk=pk)
    form = EventForm(request.POST or None, instance=event, projects=_own_projects(user))
    if request.method == "POST" and form.is_valid():

        def update() -> str:
            event_services.event_update(
                user=user,
                event_pk=event.pk,
                expected_version=form.cleaned_data["version"],
                data=_data(form),
                presented_projects=form.cleaned_data["presented_projects"],
            )
            return reverse("workspace:event_detail", args=[event.pk])

        response = run_once(
            request,
            form,
            update,
            conflict=conflict_response(request, form, back_url=reverse("workspace:event_edit", args=[event.pk])),
            success_message=_("イベントを更新しました。"),
        )
        if response is not None:
            return response
    return render(
        request,
        "workspace/event_form.html",
        {"form": form, "event": event},
        status=400 if request.method == "POST" else 200,
    )


@headquarters_required.of(Event)
def event_detail(request, pk):
    event = get_object_or_404(Event.objects.editable_by(request.user), pk=pk)
    return render(
        request,
        "workspace/event_detail.html",
        {
            "event": event,
            "projects": event.presented_projects.order_by("code"),
            "publication_form": PublicationForm(),
            "timeline": history_timeline(event),
        },
    )
