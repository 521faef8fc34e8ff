"""Feed exporters for values a format cannot hold as they are."""

from __future__ import annotations

import json

from scrapy import exporters


class CsvItemExporter(exporters.CsvItemExporter):
    """Scrapy's CSV exporter, writing lists and objects as JSON.

    ``authors`` becomes ``["A", "B"]`` as in the ``articles`` table (a name
    with a comma survives), and ``removed`` JSON instead of a Python repr.
    """

    def serialize_field(self, field, name, value):
        if isinstance(value, (list, tuple, dict)) and "serializer" not in field:
            return json.dumps(value, ensure_ascii=False)
        return super().serialize_field(field, name, value)
