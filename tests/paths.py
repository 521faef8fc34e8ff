"""Where the shared replica fixtures live.

CI clones this repository next to ``../shared``; elsewhere set MT_FIXTURES.
"""

import os
from pathlib import Path

_BESIDE_REPO = Path(__file__).resolve().parents[2] / "shared" / "fixtures"

FIXTURES = (
    Path(os.environ["MT_FIXTURES"])
    if not _BESIDE_REPO.is_dir() and os.environ.get("MT_FIXTURES")
    else _BESIDE_REPO
)
DEV_SITE = FIXTURES / "moscowtimes-site"
DEV_SITE_V2 = FIXTURES / "moscowtimes-site-v2"
