"""Reading the walkthroughs out of README.md, so tests run them exactly as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def walkthrough(name: str) -> str:
    """The fenced block that follows ``<!-- walkthrough:NAME -->`` in the README."""
    text = README.read_text(encoding="utf-8")
    pattern = rf"<!-- walkthrough:{re.escape(name)} -->\s*```[a-z]*\n(.*?)```"
    match = re.search(pattern, text, re.DOTALL)
    if match is None:
        raise LookupError(f"README.md has no walkthrough:{name} block")
    return match.group(1)
