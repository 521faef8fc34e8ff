"""SQLitePipeline: articles written in batches; an item is done once its batch is committed."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing

import pytest

from crawler.items import FetchedArticle
from crawler.storage import open_db
from pipelines.store import FLUSH_INTERVAL, SQLitePipeline
from tests.storing import crawler_with_writer


def article(n: int) -> FetchedArticle:
    return FetchedArticle(url=f"http://h/2024/06/20/x-a{n}", html=b"", site="moscowtimes", article_id=str(n),
                       title=f"T{n}", body="One.", published="2024-06-20T10:00:00+03:00", content_hash=f"h{n}")


@pytest.fixture
def pipeline(tmp_path):
    crawler, writer = crawler_with_writer(settings={"DATABASE_PATH": str(tmp_path / "articles.db"),
                                                    "STORE_BATCH_SIZE": 2})
    pipeline = SQLitePipeline.from_crawler(crawler)
    pipeline.path = tmp_path / "articles.db"
    yield pipeline
    writer.close()


def run(pipeline, scenario):
    """``scenario()`` between the pipeline's open_spider and close_spider, in a running loop."""

    async def main():
        pipeline.open_spider()
        try:
            return await scenario()
        finally:
            await pipeline.close_spider()

    return asyncio.run(main())


def stored(pipeline) -> list[str]:
    with closing(sqlite3.connect(pipeline.path)) as db:
        return [row[0] for row in db.execute("select article_id from articles order by article_id")]


def test_items_wait_for_their_batch(pipeline):
    async def scenario():
        pipeline.flusher.stop()  # the timer runs only when the test says, however slow the machine
        first = asyncio.ensure_future(pipeline.process_item(article(1)))
        await asyncio.sleep(0)
        assert not first.done() and stored(pipeline) == []
        second = await pipeline.process_item(article(2))  # fills the batch: both are written
        assert second.article_id == "2" and (await first).article_id == "1"
        assert stored(pipeline) == ["1", "2"]
        third = asyncio.ensure_future(pipeline.process_item(article(3)))
        await asyncio.sleep(0)
        assert not third.done()
        pipeline.flusher.start(FLUSH_INTERVAL, now=False)
        await third  # written by the timer
        assert stored(pipeline) == ["1", "2", "3"]

    run(pipeline, scenario)
    assert pipeline.crawler.stats.get_value("articles/stored/new") == 3


def test_a_refused_row_fails_only_its_own_item(pipeline):
    open_db(pipeline.path).execute(
        "create trigger refuse before insert on articles when new.article_id = '2'"
        " begin select raise(abort, 'refused by the test'); end")

    async def scenario():
        return await asyncio.gather(pipeline.process_item(article(1)), pipeline.process_item(article(2)),
                                    return_exceptions=True)

    first, second = run(pipeline, scenario)
    assert first.article_id == "1"
    assert isinstance(second, sqlite3.IntegrityError) and "refused by the test" in str(second)
    assert stored(pipeline) == ["1"]


def test_a_failing_database_fails_every_item_of_the_batch_and_keeps_what_was_stored(pipeline):
    async def scenario():
        await asyncio.gather(pipeline.process_item(article(1)), pipeline.process_item(article(2)))
        with closing(sqlite3.connect(pipeline.path)) as db:
            db.execute("alter table articles rename to articles_elsewhere")
        results = await asyncio.gather(pipeline.process_item(article(3)), pipeline.process_item(article(4)),
                                       return_exceptions=True)
        with closing(sqlite3.connect(pipeline.path)) as db:
            db.execute("alter table articles_elsewhere rename to articles")
        return results

    results = run(pipeline, scenario)
    assert all(isinstance(result, sqlite3.OperationalError) for result in results)
    assert stored(pipeline) == ["1", "2"]
    with closing(sqlite3.connect(pipeline.path)) as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)


def test_a_dropped_article_is_recorded_by_the_writer(pipeline):
    open_db(pipeline.path).execute(
        "insert into article_links (site, article_id, url, due) values ('moscowtimes', '5', 'http://h/x-a5', 'new')")

    async def scenario():
        pipeline.item_dropped(article(5), ValueError("not-article: soft 404"))

    run(pipeline, scenario)
    with closing(sqlite3.connect(pipeline.path)) as db:
        assert db.execute("select due, dropped from article_links").fetchall() == [(None, "not-article: soft 404")]


def test_a_duplicate_dropped_before_the_first_copy_is_committed_leaves_its_link_alone(pipeline):
    open_db(pipeline.path).execute(
        "insert into article_links (site, article_id, url, due) values ('moscowtimes', '1', 'http://h/x-a1', 'new')")

    async def scenario():
        pipeline.flusher.stop()
        first = asyncio.ensure_future(pipeline.process_item(article(1)))
        await asyncio.sleep(0)
        pipeline.flush()  # the batch is with the writer, not committed yet, when the duplicate is dropped
        pipeline.item_dropped(article(1), ValueError("duplicate: moscowtimes article 1"))
        await first

    run(pipeline, scenario)
    with closing(sqlite3.connect(pipeline.path)) as db:
        assert db.execute("select due, dropped from article_links").fetchall() == [(None, None)]
