"""Generated replicas of sites other than The Moscow Times, and the scoring of a crawl of them.

Each builder writes, from a seed and ``../shared`` only, a directory in the Moscow Times replica
format (``../shared/fixtures/moscowtimes-site/FORMAT.md`` §1-§6: ``routes.json``, ``www/``,
``lastmod.json``, ``{{www}}`` placeholders), so ``tests/replica_server.py`` serves it as is:

* ``wordpress.build_wordpress_site``: a WordPress + Yoast news site (sitemap index, ``/feed/``,
  date permalinks, archives, appeals, traps);
* ``feedonly.build_feed_site``: a small blog with no sitemap, only an announced Atom feed;
* ``mixed.build_mixed_site``: real article pages of many publishers from the corpus under one host,
  mixed with generated category, tag, author, product, forum, service and documentation pages.

``truth/NNN.json`` per article: ``url_path``, ``title``, ``authors``, ``published``, ``modified``,
``body_paragraphs``, ``optional_paragraphs``, ``trap_paragraphs``, ``must_not_contain`` (what the
page shows outside the story), plus per-site extras. ``truth/site.json``: ``site``,
``generated_at``, ``articles`` and ``non_articles`` (URL paths), ``kinds`` (path -> what it is),
``missing`` (paths that must 404), ``redirects``, the seed. ``score.score_crawl`` scores a crawl's
database against it.
"""
