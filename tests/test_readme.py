"""The README's Layout section names what is there, and everything there is named."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def layout_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Layout\n", 1)[1]
    return section.split("```", 2)[1]


def named_paths(block: str) -> set[str]:
    """Return the paths the block names: top-level entries, and lib/ entries indented under it."""
    names: set[str] = set()
    for line in block.splitlines():
        match = re.match(r"^( *)(\S+)", line)
        if not match or match.group(2) == "":
            continue
        indent, first = match.groups()
        found = [first] + re.findall(r"\b(\w+\.py)\b:", line)  # 'access.py ...; actions.py: ...'
        names |= {f"lib/{n}" if indent else n for n in found}
    return {n.rstrip("/") for n in names}


def test_every_package_and_module_of_lib_and_every_top_level_folder_is_named() -> None:
    named = named_paths(layout_block())
    in_lib = {f"lib/{p.name}" for p in (ROOT / "lib").iterdir() if not p.name.startswith("__")}
    in_lib = {p for p in in_lib if p.endswith(".py") or (ROOT / p).is_dir()} - {"lib/__pycache__"}
    top = {"app.py", "ui.py", "pages", "lib", "data", "tests", "bench", "scripts", "docs"}
    assert in_lib | top <= named, sorted((in_lib | top) - named)


def test_every_path_the_layout_names_exists() -> None:
    missing = sorted(p for p in named_paths(layout_block()) if not (ROOT / p).exists())
    assert missing == []


def test_the_check_catches_an_unnamed_package() -> None:
    assert "lib/engines" not in named_paths(layout_block())
    assert "lib/ingest" in named_paths("lib/\n  ingest/   reading exports\n")
