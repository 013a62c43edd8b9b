"""Time the site search and the project list search for Japanese words of 1–4 characters.

Usage: DEBUG=true DATABASE_URL=postgres://… .venv/bin/python bench/search_timing.py [word …]
(a database filled by ``manage.py generate_data --scale 10``, vacuumed and analysed).
Prints, per word, the median and the slowest of 7 runs (after one warm-up) of the uncached site
search (every section's count and first rows) and of the first page of the project list
(count and rows, as ``public.views.projects.project_list`` gets them).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cluster_portal.settings")

import django

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.http import QueryDict  # noqa: E402

from cluster_portal.paging import paginate_counted  # noqa: E402
from projects.models import JointResearchProject  # noqa: E402
from public.filters import ProjectListFilter  # noqa: E402
from public.views.projects import filter_projects  # noqa: E402
from public.views.search import search_sections  # noqa: E402

WORDS = sys.argv[1:] or ["光", "医療", "センサ", "ナノ材料"]
RUNS = 7


def site_search(word):
    sections = search_sections.uncached(word)
    return sum(section["count"] for section in sections)


def project_search(word):
    visible = JointResearchProject.objects.visible_to(AnonymousUser())
    filterset = ProjectListFilter(QueryDict(f"q={word}"), offered=visible)
    projects = filter_projects(visible, filterset.params())
    page = paginate_counted(filterset.sorted(projects.for_list()), 20, "1")  # as public.views.projects
    return page.paginator.count


def timed(function, word):
    found = function(word)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        function(word)
        times.append((time.perf_counter() - start) * 1000)
    return found, statistics.median(times), max(times)


HEADER = ("word", "site rows", "site med ms", "site max", "proj rows", "proj med ms", "proj max")
print(" ".join(f"{name:>11}" for name in HEADER))
for word in WORDS:
    site = timed(site_search, word)
    project = timed(project_search, word)
    cells = (word, site[0], f"{site[1]:.1f}", f"{site[2]:.1f}", project[0], f"{project[1]:.1f}", f"{project[2]:.1f}")
    print(" ".join(f"{cell:>11}" for cell in cells))
