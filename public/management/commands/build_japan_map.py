"""Build the prefecture outlines of the home page's map from the japanmap package's data.

Source: japanmap 0.6.0 (https://pypi.org/project/japanmap/, Apache License 2.0,
© Saito Tsutomu), file ``japanmap/japan.json``: prefecture boundaries in
longitude/latitude. As japanmap's own ``pref_map`` does, Hokkaido and Okinawa
are moved closer to Honshu and longitude is scaled by 0.812 (cos 35.7°).

The generated file is committed (``cluster_portal/public/data/japan_prefectures.json``),
so the portal needs neither japanmap nor its image-processing dependencies at run
time. To rebuild it::

    pip install --no-deps japanmap==0.6.0
    python manage.py build_japan_map
"""

import importlib.util
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from public.japan_map import DATA_FILE

WIDTH = 1000.0
X_RATIO = 0.812
HOKKAIDO, OKINAWA = 0, 46  # indexes in japanmap's list (JIS code - 1)


def load_japanmap_data() -> tuple[list, list]:
    spec = importlib.util.find_spec("japanmap")
    if spec is None or not spec.submodule_search_locations:
        raise CommandError("japanmap is not installed: pip install --no-deps japanmap==0.6.0")
    source = Path(next(iter(spec.submodule_search_locations))) / "japan.json"
    with source.open("rb") as handle:
        points, outlines = json.load(handle)
    return [list(point) for point in points], outlines


def prefecture_rings(points: list, outlines: list) -> list[list[tuple[float, float]]]:
    """One ring of (lon, lat) per prefecture, after moving Hokkaido and Okinawa (as japanmap.get_data does)."""
    for index, offset in ((HOKKAIDO, (-10.0, -4.5)), (OKINAWA, (4.5, 5.0))):
        for point_index in outlines[index][0][1][:-1]:
            lon, lat = points[point_index][0]
            points[point_index][0] = [lon + offset[0], lat + offset[1]]
    return [[tuple(points[i][0]) for _neighbour, indexes in segments for i in indexes] for segments in outlines]


def to_paths(rings) -> tuple[dict[str, str], dict[str, list[float]], tuple[float, float]]:
    projected = [[(lon * X_RATIO, -lat) for lon, lat in ring] for ring in rings]
    xs = [x for ring in projected for x, _y in ring]
    ys = [y for ring in projected for _x, y in ring]
    min_x, min_y = min(xs), min(ys)
    scale = WIDTH / (max(xs) - min_x)
    paths, centres = {}, {}
    for number, ring in enumerate(projected, start=1):
        scaled = [(round((x - min_x) * scale, 1), round((y - min_y) * scale, 1)) for x, y in ring]
        deduplicated = [point for i, point in enumerate(scaled) if i == 0 or point != scaled[i - 1]]
        path = "M" + " L".join(f"{x:g},{y:g}" for x, y in deduplicated) + "Z"
        code = f"{number:02d}"
        paths[code] = path
        centres[code] = [
            round(sum(x for x, _ in deduplicated) / len(deduplicated), 1),
            round(sum(y for _, y in deduplicated) / len(deduplicated), 1),
        ]
    height = round((max(ys) - min_y) * scale, 1)
    return paths, centres, (WIDTH, height)


class Command(BaseCommand):
    help = "Generate the prefecture outlines of the home page's map from japanmap's data."

    def handle(self, *args, **options):
        paths, centres, (width, height) = to_paths(prefecture_rings(*load_japanmap_data()))
        data = {
            "source": "japanmap 0.6.0 japan.json (Apache License 2.0, (c) Saito Tsutomu)",
            "width": width,
            "height": height,
            "paths": paths,
            "centres": centres,
        }
        DATA_FILE.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        self.stdout.write(f"Wrote {len(paths)} prefectures to {DATA_FILE}")
