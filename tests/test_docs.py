"""Every project setting is documented in the README, and every table in docs/schema.md."""

from pathlib import Path

import pytest
from scrapy.settings import default_settings

from crawler import settings
from crawler.storage import open_db

ROOT = Path(__file__).resolve().parents[1]
PROJECT_SETTINGS = sorted(
    name for name in vars(settings) if name.isupper() and not hasattr(default_settings, name)
    and name not in ("BOT_NAME", "SPIDER_MODULES", "NEWSPIDER_MODULE")
)


@pytest.mark.parametrize("name", PROJECT_SETTINGS)
def test_setting_is_documented_in_the_readme(name):
    assert f"`{name}`" in (ROOT / "README.md").read_text()


def test_every_column_is_documented(tmp_path):
    schema = (ROOT / "docs" / "schema.md").read_text()
    db = open_db(tmp_path / "a.db")
    for table in db.tables:
        if table.name.startswith(("_", "articles_fts")):
            continue
        assert f"`{table.name}`" in schema
        for column in table.columns:
            assert f"`{column.name}`" in schema, f"{table.name}.{column.name}"
