"""The one text normaliser of the portal: search, lookups by name and imports.

``normalize`` is NFKC, then white space trimmed and every run of white space (tabs, line
breaks, the ideographic space U+3000 and the other Unicode spaces) collapsed to one space.
So 「ﾅﾉ」 becomes 「ナノ」, 「ＩＴ」 「IT」, 「（デモ）」 「(デモ)」 and 「ＡＢＣ　　研究所」 「ABC 研究所」.

The same normalisation in the database:

- ``NFKC(expression)``: the NFKC form (PostgreSQL's built-in ``normalize(text, NFKC)``; on
  SQLite a deterministic function registered on the connection the first time it is used).
  The text search filters with ``UPPER(normalize(COALESCE(field, ''), NFKC)::text) LIKE …``,
  the exact expression of the trigram indexes (regions/0005 and projects/0006 migrations,
  tests/test_search_indexes.py): do not change it. The search needs no more than NFKC on
  the stored side: it looks for words, which contain no white space, so trimming and
  collapsing the stored text could not change what it finds.
- ``Normalized(expression)``: all of ``normalize`` (NFKC, trimmed, white space collapsed), for
  comparing a typed value with a stored one for equality (an organisation by its name).
"""

import contextlib
import re
import unicodedata

from django.db import connections, models
from django.db.models import Q, lookups
from django.db.models.functions import Coalesce

MAX_QUERY_LENGTH = 100
# Every character Python counts as white space (str.isspace), as a character class that Python's
# and PostgreSQL's regular expressions read alike.
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
WHITESPACE_RUN = f"[{WHITESPACE}]+"
_whitespace_run = re.compile(WHITESPACE_RUN)


def normalize(text) -> str:
    """``text`` (any value, as ``str``) in NFKC, trimmed, each run of white space one space (``None`` → "")."""
    text = "" if text is None else str(text)
    return _whitespace_run.sub(" ", unicodedata.normalize("NFKC", text)).strip(" ")


def normalize_query(text) -> str:
    """A search query, ``normalize``d. Never cut: a query longer than ``MAX_QUERY_LENGTH`` is refused
    where it is typed (the search forms say so and show the limit), not silently shortened."""
    return normalize(text)


# Quotes that make a phrase of the words between them (after NFKC, so the full-width ＂ is ").
_PHRASE = re.compile(r'"([^"]*)"?|“([^”]*)”?|「([^」]*)」?')
# Forms of a DOI that people paste: the resolver address or the "doi:" prefix.
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)


def search_terms(text) -> list[str]:
    """The terms of a search query: each word, and each quoted phrase as one term.

    ``"ナノ 材料"``, ``“ナノ 材料”`` and ``「ナノ 材料」`` are one term (the words in this order, one
    space between them); an unclosed quote runs to the end. A DOI pasted as its resolver address
    (``https://doi.org/10.…``) or with ``doi:`` is searched as the bare DOI. Duplicates are dropped.
    """
    text = normalize_query(text)
    terms = []
    position = 0
    for match in _PHRASE.finditer(text):
        terms.extend(text[position : match.start()].split())
        phrase = " ".join(next(group for group in match.groups() if group is not None).split())
        if phrase:
            terms.append(phrase)
        position = match.end()
    terms.extend(text[position:].split())
    unique = []
    for term in terms:
        term = _DOI_PREFIX.sub("", term)
        if term and term not in unique:
            unique.append(term)
    return unique


_HALF_WIDTH_MARKS = "\uff9e\uff9f"  # ﾞ ﾟ


def matched_spans(text: str, terms) -> list[tuple[int, int]]:
    """``(start, end)`` of every place in ``text`` where a search term occurs, as the search compares.

    The comparison is the database's (NFKC, then upper case), mapped back to positions in the text
    as stored, so 「ﾅﾉ」 in a title is marked for the query 「ナノ」. Overlapping places are merged;
    the spans are in order.
    """
    folded = []
    starts = []  # starts[i], ends[i]: the characters of ``text`` that gave folded[i]
    ends = []
    index = 0
    while index < len(text):
        # A character with the marks that compose with it (「ｶﾞ」 is one 「ガ」 in NFKC).
        end = index + 1
        while end < len(text) and (unicodedata.combining(text[end]) or text[end] in _HALF_WIDTH_MARKS):
            end += 1
        for piece in unicodedata.normalize("NFKC", text[index:end]).upper():
            folded.append(piece)
            starts.append(index)
            ends.append(end)
        index = end
    folded_text = "".join(folded)
    spans = []
    for term in terms:
        needle = unicodedata.normalize("NFKC", term).upper()
        if not needle:
            continue
        found = folded_text.find(needle)
        while found != -1:
            spans.append((starts[found], ends[found + len(needle) - 1]))
            found = folded_text.find(needle, found + len(needle))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def excerpt(text, terms, *, width: int = 120) -> str:
    """About ``width`` characters of ``text`` around the first matched term ("" when none matches).

    For a search result whose match is in a long field (a summary) rather than its title.
    """
    text = normalize(text)
    spans = matched_spans(text, terms)
    if not spans:
        return ""
    start = max(0, spans[0][0] - width // 3)
    end = min(len(text), start + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _sqlite_nfkc(value):
    return None if value is None else unicodedata.normalize("NFKC", value)


def _sqlite_normalize(value):
    return None if value is None else normalize(value)


SQLITE_FUNCTIONS = {"portal_nfkc": _sqlite_nfkc, "portal_normalize": _sqlite_normalize}


def _register_sqlite_functions(connection) -> None:
    raw = connection.connection
    if raw is None:
        connection.ensure_connection()
        raw = connection.connection
    if not getattr(raw, "_portal_text_functions", False):
        for name, function in SQLITE_FUNCTIONS.items():
            raw.create_function(name, 1, function, deterministic=True)
        with contextlib.suppress(AttributeError):  # sqlite3.Connection may refuse attributes
            raw._portal_text_functions = True


class NFKC(models.Func):
    """The NFKC-normalised text of an expression, on SQLite and PostgreSQL."""

    output_field = models.TextField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        _register_sqlite_functions(connection)
        return super().as_sql(compiler, connection, function="portal_nfkc", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="normalize(%(expressions)s, NFKC)", **extra_context)

    def as_sql(self, compiler, connection, **extra_context):  # other databases: compare as stored
        return super().as_sql(compiler, connection, template="%(expressions)s", **extra_context)


class Normalized(models.Func):
    """``normalize`` of an expression in the database (NFKC, trimmed, white space collapsed)."""

    output_field = models.TextField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        _register_sqlite_functions(connection)
        return super().as_sql(compiler, connection, function="portal_normalize", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "btrim(regexp_replace(normalize(%(expressions)s, NFKC), %%s, ' ', 'g'), ' ')"
        sql, params = super().as_sql(compiler, connection, template=template, **extra_context)
        return sql, (*params, WHITESPACE_RUN)

    def as_sql(self, compiler, connection, **extra_context):  # other databases: compare as stored
        return super().as_sql(compiler, connection, template="%(expressions)s", **extra_context)


# Words of at most this many characters get the character prefilter (``HasCharacters``) on PostgreSQL:
# the trigram indexes cannot serve them (a trigram needs three characters).
CHARACTER_PREFILTER_MAX_LENGTH = 2


def characters_sql(columns: list[str]) -> str:
    """SQL of the characters of ``columns``, each as the search compares it: one ``text[]`` of single
    characters of ``UPPER(normalize(COALESCE(column, ''), NFKC))`` per column, concatenated.

    The one definition of the character index's expression (``PostgresCharacterSearchIndex`` in
    cluster_portal/migration_operations.py) and of ``HasCharacters``' left side: PostgreSQL uses an
    expression index only for the identical expression, so both are built here. PostgreSQL only.
    """
    return " || ".join(
        f"regexp_split_to_array(UPPER(normalize(COALESCE({column}, ''), NFKC)), '')" for column in columns
    )


class HasCharacters(models.Func):
    """``True`` where the ``fields`` together hold every character of ``word`` (PostgreSQL only).

    ``characters(fields) @> characters(UPPER(word))``, answered by the GIN index on exactly
    ``characters_sql(fields)``. A prefilter, not a match: a row whose fields contain the word holds all
    its characters, so ANDed with the LIKE of ``text_q`` it narrows the rows without changing which
    are found. For one character it is exact, and ``text_q`` leaves the LIKE out when the searched
    fields are the index's; for two, 「医」 and 「療」 may be apart.
    """

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, fields, word: str):
        self.character_fields = list(fields)
        super().__init__(*(models.F(field) for field in self.character_fields), models.Value(word))

    def as_postgresql(self, compiler, connection, **extra_context):
        columns, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            columns.append(sql)
            params.extend(expression_params)
        word_sql, word_params = columns.pop(), params[-1:]
        params = params[:-1]
        return (
            f"({characters_sql(columns)}) @> regexp_split_to_array(UPPER({word_sql}), '')",
            (*params, *word_params),
        )

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError("HasCharacters is PostgreSQL only (text_q adds it only there)")


def _nfkc_alias(field: str):
    return NFKC(Coalesce(models.F(field), models.Value(""), output_field=models.TextField()))


def text_q(
    fields: list[str],
    query: str,
    *,
    prefix: str = "",
    also=None,
    character_index: tuple[str, ...] = (),
    prefilter: bool = False,
    terms: list[str] | None = None,
) -> tuple[dict, Q]:
    """Annotations and a Q matching rows where any of ``fields`` contains every word of ``query``.

    Returns ``(annotations, q)``; apply with ``queryset.alias(**annotations).filter(q)``.
    Words are separated by white space (full-width spaces too); a quoted phrase is one term
    (``search_terms``). ``also(word)``, if given, is a Q that matches a word too (e.g. in a
    related table).

    ``prefilter`` (PostgreSQL only): a word of 1–2 characters is also required to pass
    ``HasCharacters(character_index, word)``, the prefilter the character GIN index answers, when
    every searched field is one of ``character_index`` (the fields of that index) and ``also`` adds
    nothing for the word. The rows found are the same; only the plan changes. ``terms``: the terms
    already split (``search_terms``), instead of ``query``.
    """
    words = search_terms(query) if terms is None else terms
    annotations = {f"_nfkc_{prefix}{index}": _nfkc_alias(field) for index, field in enumerate(fields)}
    indexed = prefilter and bool(character_index) and set(fields) <= set(character_index)
    condition = Q()
    for word in words:
        extra = also(word) if also else Q()
        any_field = Q()
        for alias in annotations:
            any_field |= Q(**{f"{alias}__icontains": word})
        if indexed and not extra and len(word) <= CHARACTER_PREFILTER_MAX_LENGTH:
            if len(word) == 1 and set(fields) == set(character_index):
                # Exact for one character over exactly the index's fields: the LIKE would only repeat it.
                any_field = Q(HasCharacters(character_index, word))
            else:
                any_field = Q(HasCharacters(character_index, word)) & any_field
        condition &= extra | any_field
    return annotations, condition


def rank_expression(fields: list[str], title_fields: list[str], query: str, *, prefix: str = "") -> models.Case:
    """The order of search results, best first (0–4), the same on SQLite and PostgreSQL.

    0: a title is the query; 1: a title contains the query as one phrase; 2: the titles hold every
    word; 3: another searched field contains the phrase; 4: the other matches. The phrase is the
    words in the order typed, one space apart. Only orders the rows ``text_q`` found.
    """
    words = search_terms(query)
    phrase = " ".join(words)
    titles = [_nfkc_alias(field) for field in title_fields]
    others = [_nfkc_alias(field) for field in fields if field not in title_fields]

    def any_of(expressions, lookup, value):
        condition = Q()
        for expression in expressions:
            condition |= Q(lookup(expression, value))
        return condition

    every_word = Q()
    for word in words:
        every_word &= any_of(titles, lookups.IContains, word)
    tiers = [
        any_of(titles, lookups.IExact, phrase),
        any_of(titles, lookups.IContains, phrase),
        # One term: the same test as the phrase's (rank 1 already took those rows), so not repeated.
        every_word if len(words) > 1 else Q(),
        any_of(others, lookups.IContains, phrase),
    ]
    return models.Case(
        *(models.When(tier, then=models.Value(rank)) for rank, tier in enumerate(tiers) if tier),
        default=models.Value(len(tiers)),
        output_field=models.IntegerField(),
    )


def search(
    queryset,
    fields: list[str],
    query: str,
    *,
    also=None,
    character_index: tuple[str, ...] = (),
    title_fields: tuple[str, ...] = (),
):
    """``queryset`` narrowed to rows matching ``query`` in ``fields`` (unchanged for an empty query).

    With ``title_fields``, the rows carry ``search_rank`` (``rank_expression``; an alias, for
    ``order_by("search_rank", …)``). ``character_index``: the fields of the model's character GIN
    index (``text_q``), used on PostgreSQL for words of 1–2 characters.
    """
    if not search_terms(query):
        return queryset
    annotations, condition = text_q(
        fields,
        query,
        also=also,
        character_index=character_index,
        prefilter=connections[queryset.db].vendor == "postgresql",
    )
    queryset = queryset.alias(**annotations).filter(condition)
    if title_fields:
        queryset = queryset.alias(search_rank=rank_expression(fields, list(title_fields), query))
    return queryset


def search_term(queryset, fields: list[str], term: str):
    """``queryset`` narrowed to rows where one of ``fields`` contains ``term`` (one term of
    ``search_terms``, a phrase kept whole), with the character prefilter of the queryset's
    ``character_index`` on PostgreSQL."""
    annotations, condition = text_q(
        fields,
        "",
        terms=[term],
        character_index=getattr(queryset, "character_index", ()),
        prefilter=connections[queryset.db].vendor == "postgresql",
    )
    return queryset.alias(**annotations).filter(condition)


class SearchableQuerySetMixin:
    """``search(text)`` for a QuerySet: the text search over its ``search_fields``.

    ``search_title_fields``: the fields whose matches rank first (``rank_expression``).
    ``character_index``: the fields of the model's character GIN index (a migration with
    ``PostgresCharacterSearchIndex``), in its order; empty when the model has none.
    """

    search_fields: tuple[str, ...] = ()
    search_title_fields: tuple[str, ...] = ()
    character_index: tuple[str, ...] = ()

    def search_word_q(self, word: str) -> Q:
        """What else a word of the query may match (another table): nothing more by default."""
        return Q()

    def search(self, text: str):
        """Rows where every word of ``text`` is in one of the ``search_fields`` (or ``search_word_q``)."""
        return search(
            self,
            list(self.search_fields),
            text,
            also=self.search_word_q,
            character_index=self.character_index,
            title_fields=self.search_title_fields,
        )


def parse_tsv(text: str, *, max_rows: int = 1000) -> list[list[str]]:
    """Rows × columns of a block copied from Excel or LibreOffice (tab-separated, one row per line).

    Follows what spreadsheets put on the clipboard: CRLF or LF line ends, a trailing line end,
    cells holding a tab, a line break or a quote wrapped in double quotes (``""`` for a quote).
    Blank lines are dropped and cells are stripped; at most ``max_rows`` rows are read.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    quoted = False
    at_cell_start = True
    i = 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"' and text[i + 1 : i + 2] == '"':
                cell.append('"')
                i += 1
            elif char == '"':
                quoted = False
            else:
                cell.append(char)
        elif char == '"' and at_cell_start:
            quoted = True
            at_cell_start = False
        elif char == "\t":
            row.append("".join(cell))
            cell, at_cell_start = [], True
        elif char == "\n":
            row.append("".join(cell))
            rows.append(row)
            row, cell, at_cell_start = [], [], True
            if len(rows) >= max_rows:
                break
        else:
            cell.append(char)
            at_cell_start = False
        i += 1
    if cell or row:
        row.append("".join(cell))
        rows.append(row)
    return [[value.strip() for value in line] for line in rows if any(value.strip() for value in line)]
