"""Facets by the day or month a timestamp gives, in its own UTC offset.

Datasette's date facet converts "2020-10-14T01:00:00+03:00" to UTC and counts it
on the 13th; a reader of a Moscow paper expects the 14th. These facets group on
the leading characters of the ISO 8601 text and select with __startswith.
Configure them as {"day": "published"} or {"month": "published"}.
"""

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import BadRequest


class PrefixFacet(Facet):
    length = 0  # characters of the timestamp that make the value

    async def facet_results(self):
        results, timed_out = [], []
        pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        for source_and_config in self.facet_configs():
            column = source_and_config["column"]
            sql = f"""
                select substr({escape_sqlite(column)}, 1, {self.length}) as value, count(*) as count
                from ({self.sql}) where value is not null
                group by value order by value desc limit {size + 1}
            """
            try:
                rows = await self.ds.execute(
                    self.database,
                    sql,
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)
                continue
            values = []
            for row in rows.rows[:size]:
                key, value = f"{column}__startswith", row["value"]
                selected = (key, value) in pairs
                toggle = path_with_removed_args if selected else path_with_added_args
                values.append(
                    {
                        "value": value,
                        "label": value,
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(
                            self.request, toggle(self.request, {key: value})
                        ),
                        "selected": selected,
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "results": values,
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {f"_facet_{self.type}": column})
                    ),
                    "truncated": len(rows) > size,
                }
            )
        return results, timed_out

    def facet_configs(self) -> list[dict]:
        """``get_configs`` with each config's column; a malformed ``_facet_<type>`` is a 400, not a 500."""
        try:
            configs = self.get_configs()
        except ValueError as exc:  # "{" is read as JSON
            raise BadRequest(f"_facet_{self.type}: {exc}") from exc
        for source_and_config in configs:
            config = source_and_config["config"]
            column = config.get("column") or config.get("simple") if isinstance(config, dict) else None
            if not isinstance(column, str) or not column:
                raise BadRequest(f"_facet_{self.type} needs a column name, not {config!r}")
            source_and_config["column"] = column
        return configs


class DayFacet(PrefixFacet):
    type = "day"
    length = len("2020-10-14")


class MonthFacet(PrefixFacet):
    type = "month"
    length = len("2020-10")


@hookimpl
def register_facet_classes():
    return [DayFacet, MonthFacet]
