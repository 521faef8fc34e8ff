"""What the home page and the custom pages need beyond Datasette's context (``extra_template_vars``).

- the home page (``index``): ``canned_queries``, to list every query it promises;
- custom pages (``templates/pages/``, such as the dashboard): ``sql(query)``, the rows of a
  read-only query on the archive.
"""

from datasette import hookimpl

DATABASE = "articles"


@hookimpl
def extra_template_vars(view_name, request, datasette):
    if view_name == "index":

        async def canned_queries():
            queries = await datasette.get_canned_queries(DATABASE, request.actor if request else None)
            return {"canned_queries": list(queries.values())}

        return canned_queries
    if view_name == "page":

        async def sql(query, database=DATABASE):
            return (await datasette.get_database(database).execute(query)).rows

        return {"sql": sql}
    return {}
