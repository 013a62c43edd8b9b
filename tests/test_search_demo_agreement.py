"""Search by words of 1–4 characters finds the same rows on SQLite and PostgreSQL, on the demo data.

Both databases are held to the same oracle, the comparison written in Python (NFKC, then upper case,
substring): so the PostgreSQL path, with its character prefilter for words of one or two characters
(``cluster_portal.text.HasCharacters``), agrees with the SQLite fallback, and with itself without the
prefilter. (A module of its own: the demo data loaded for the module would be seen by other tests.)
"""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from cluster_portal import text
from projects.models import JointResearchProject, Outcome
from tests.test_search_characters import FIXED_WORDS, oracle, searched, without_prefilter


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--allow-without-debug", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def demo_words() -> list[str]:
    """Words of 1–4 characters at the start and the end of demo titles, and the fixed ones."""
    words = list(FIXED_WORDS)
    titles = [*JointResearchProject.objects.values_list("title", flat=True)[:3]]
    titles += [*Outcome.objects.values_list("title", flat=True)[:3]]
    for title in titles:
        title = text.normalize(title).replace(" ", "")
        for length in (1, 2, 3, 4):
            words += [title[:length], title[-length:]]
    return list(dict.fromkeys(word for word in words if word))


@pytest.mark.django_db
def test_search_finds_words_of_every_length_as_the_oracle_on_the_demo(demo, monkeypatch):
    words = demo_words()
    assert any(len(word) == 1 for word in words) and any(len(word) == 2 for word in words)
    found_any = 0
    for word in words:
        for name, queryset, fields in searched():
            expected = oracle(queryset, fields, word)
            found = set(queryset.search(word).values_list("pk", flat=True))
            assert found == expected, (name, word)
            found_any += bool(found)
    # The demo's titles contain their own first and last characters: the comparison is not vacuous.
    assert found_any >= len(words)
    for word in ["光", "医療", words[-1], "ｾﾝｻ 研究"]:
        for name, queryset, _fields in searched():
            with monkeypatch.context() as patch:
                without_prefilter(patch)
                plain = set(queryset.search(word).values_list("pk", flat=True))
            assert set(queryset.search(word).values_list("pk", flat=True)) == plain, (name, word)
