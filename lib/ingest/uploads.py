"""Write uploaded files to a private folder under their own names, so errors can name them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def save_uploads(files: Iterable[tuple[str, bytes]], folder: Path) -> list[Path]:
    """Write (name, content) pairs into folder; names are reduced to their base name."""
    paths = []
    for name, content in files:
        path = folder / Path(name).name
        path.write_bytes(content)
        paths.append(path)
    return paths
