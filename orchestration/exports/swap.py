"""Export folders replaced atomically: `exports/<name>` is a symbolic link flipped in one rename.

Each write fills `exports/.<name>.<n>.partial`, renames it to `exports/.<name>.<n>` once complete,
then points a fresh link at it and renames that link over `exports/<name>` (one `rename(2)`,
atomic on POSIX). A reader of `exports/<name>/` therefore sees the old set or the new one, never a
mix and never nothing; the old folder is removed only after the new one is in place, and the
previous version is kept so a reader that resolved the link just before the flip still finds it.
A write killed at any step leaves a complete current set: `.partial` leftovers are removed by the
next write, and a missing link is restored to the newest complete version.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

# Complete versions kept besides the current one (for readers that resolved the old link).
PREVIOUS_VERSIONS_KEPT = 1


def _versions(exports_dir: Path, name: str) -> list[int]:
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)")
    return sorted(
        int(match.group(1))
        for entry in exports_dir.iterdir()
        if (match := pattern.fullmatch(entry.name)) and entry.is_dir() and not entry.is_symlink()
    )


def recover(exports_dir: Path, name: str) -> None:
    """Finish an interrupted swap: drop half-written folders, restore a missing link."""
    if not exports_dir.is_dir():
        return
    for leftover in exports_dir.glob(f".{name}.*.partial"):
        shutil.rmtree(leftover)
    for leftover in exports_dir.glob(f".{name}.link"):
        leftover.unlink()
    for leftover in exports_dir.glob(f".{name}.replaced"):
        shutil.rmtree(leftover)
    target = exports_dir / name
    versions = _versions(exports_dir, name)
    if not target.exists() and not target.is_symlink() and versions:
        _point(exports_dir, name, versions[-1])


def staging_folder(exports_dir: Path, name: str) -> Path:
    """A new, empty folder to write the next version of `exports/<name>` into."""
    exports_dir.mkdir(parents=True, exist_ok=True)
    recover(exports_dir, name)
    versions = _versions(exports_dir, name)
    staging = exports_dir / f".{name}.{(versions[-1] if versions else 0) + 1}.partial"
    staging.mkdir()
    return staging


def publish(exports_dir: Path, name: str, staging: Path) -> Path:
    """Make the completely written `staging` folder the one `exports/<name>` shows."""
    version = int(staging.name.removesuffix(".partial").rsplit(".", 1)[1])
    staging.rename(exports_dir / f".{name}.{version}")
    target = exports_dir / name
    replaced = exports_dir / f".{name}.replaced"
    if target.is_dir() and not target.is_symlink():
        # A real folder (written before links were used, or copied without its link) is moved
        # aside, then the link takes its name. Between the two renames the name is briefly
        # absent; `recover` restores it.
        target.rename(replaced)
    _point(exports_dir, name, version)
    if replaced.exists():
        shutil.rmtree(replaced)
    for old in _versions(exports_dir, name)[: -(PREVIOUS_VERSIONS_KEPT + 1)]:
        shutil.rmtree(exports_dir / f".{name}.{old}")
    return target


def _point(exports_dir: Path, name: str, version: int) -> None:
    link = exports_dir / f".{name}.link"
    link.unlink(missing_ok=True)
    # Relative, so the exports folder can be moved or copied as a whole.
    link.symlink_to(f".{name}.{version}", target_is_directory=True)
    os.replace(link, exports_dir / name)
