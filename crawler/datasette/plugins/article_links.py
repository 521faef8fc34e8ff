"""Link article titles in query results to the article's page, and ``audit`` paths to the audit view.

Table pages already link every row; canned queries select site and article_id
next to title so that their results can link too.
"""

import markupsafe
from datasette import hookimpl
from datasette.utils import path_from_row_pks

ARTICLE_PKS = ["site", "article_id"]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table is None and column == "audit" and isinstance(value, str) and value.startswith("/audit/"):
        return markupsafe.Markup('<a href="{}">audit view</a>').format(datasette.urls.path(value))
    if table is not None or column != "title" or value is None:
        return None
    if not set(ARTICLE_PKS) <= set(row.keys()):
        return None
    path = datasette.urls.row(
        database, "articles", path_from_row_pks(row, ARTICLE_PKS, False)
    )
    return markupsafe.Markup('<a href="{}">{}</a>').format(path, value)
