from django.shortcuts import get_object_or_404, render

from projects.models import JointResearchProject


def project_detail(request, code):
    project = get_object_or_404(JointResearchProject.objects.visible_to(request.user).for_list(), code=code)
    return render(request, "projects/project_detail.html", {"project": project})
