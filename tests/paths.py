"""Where the shared recordings and specs live (used in place, never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DRAGOMAN_SHARED", REPO.parent / "shared"))
FIXTURES = SHARED / "fixtures"
SPECS = SHARED / "specs"
