"""Server-rendered SVG map of Japan by prefecture, marking the prefectures that have clusters.

The outlines come from ``data/japan_prefectures.json``, generated once from the
japanmap package's data by ``manage.py build_japan_map`` (see that command for
the source and licence). The file is read once per process.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

DATA_FILE = Path(__file__).resolve().parent / "data" / "japan_prefectures.json"


@dataclass(frozen=True)
class MapPrefecture:
    code: str
    name: str
    clusters: list  # [(name, url), ...]
    url: str = ""


@lru_cache(maxsize=1)
def outlines() -> dict:
    with DATA_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def render_map(prefectures: list[MapPrefecture], *, names: dict[str, str]) -> SafeString:
    """The whole map as inline SVG. ``names`` maps every JIS code to the prefecture's display name."""
    data = outlines()
    by_code = {prefecture.code: prefecture for prefecture in prefectures}
    plain, linked = [], []
    for code, path in data["paths"].items():
        name = names.get(code, code)
        marked = by_code.get(code)
        if marked and marked.clusters:
            count = len(marked.clusters)
            label = ngettext(
                "%(prefecture)s：%(count)d件のクラスター",
                "%(prefecture)s：%(count)d件のクラスター",
                count,
            ) % {"prefecture": name, "count": count}
            x, y = data["centres"].get(code, (None, None))
            # the numbered badge is part of the link: clicking 「2」 opens the prefecture's clusters too
            badge = (
                format_html(
                    '<circle class="japan-map__marker" cx="{}" cy="{}" r="9"/>'
                    '<text class="japan-map__count" x="{}" y="{}" text-anchor="middle" aria-hidden="true">{}</text>',
                    x,
                    y,
                    x,
                    y + 4,
                    count,
                )
                if x is not None
                else ""
            )
            linked.append(
                format_html(
                    '<a href="{}" class="japan-map__link"><title>{}</title>'
                    '<path class="japan-map__prefecture japan-map__prefecture--cluster" d="{}"/>{}</a>',
                    marked.url,
                    label,
                    path,
                    badge,
                )
            )
        else:
            plain.append(format_html('<path class="japan-map__prefecture" d="{}"><title>{}</title></path>', path, name))
    return format_html(
        '<svg class="japan-map" viewBox="0 0 {} {}" role="group" aria-labelledby="japan-map-title japan-map-desc" '
        'xmlns="http://www.w3.org/2000/svg"><title id="japan-map-title">{}</title><desc id="japan-map-desc">{}</desc>'
        '<g class="japan-map__prefectures">{}</g><g class="japan-map__clusters">{}</g></svg>',
        int(data["width"]),
        int(data["height"] + 10),
        _("クラスターのある都道府県の地図"),
        _("色の濃い都道府県にクラスターがあります。数字はクラスターの数です。地図の下に同じ内容の一覧があります。"),
        SafeString("".join(plain)),  # drawn first, so no plain outline covers a cluster's badge
        SafeString("".join(linked)),
    )
