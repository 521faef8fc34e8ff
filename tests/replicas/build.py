#!/usr/bin/env python3
"""Write a generated replica directory, to serve with ``tests/replica_server.py``.

    python -m tests.replicas.build {wordpress,feedonly,mixed} DEST [--seed N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.replicas.feedonly import build_feed_site
from tests.replicas.mixed import build_mixed_site
from tests.replicas.wordpress import build_wordpress_site

BUILDERS = {"wordpress": build_wordpress_site, "feedonly": build_feed_site, "mixed": build_mixed_site}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", choices=BUILDERS)
    parser.add_argument("dest", type=Path, help="directory to write (created if missing)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(BUILDERS[args.site](args.dest, seed=args.seed))


if __name__ == "__main__":
    main()
