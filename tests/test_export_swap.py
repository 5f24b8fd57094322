"""Export folders are swapped atomically: a reader sees the old set or the new one, never nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.exports import swap


def _write(exports: Path, files: dict[str, str]) -> Path:
    staging = swap.staging_folder(exports, "2026-10")
    for name, text in files.items():
        (staging / name).write_text(text)
    return swap.publish(exports, "2026-10", staging)


def _read(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def test_a_new_set_replaces_the_old_one_through_the_link(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    target = _write(exports, {"manifest.json": "v1", "a.csv": "1"})
    assert _read(target) == {"a.csv": "1", "manifest.json": "v1"}
    _write(exports, {"manifest.json": "v2", "b.csv": "2"})
    _write(exports, {"manifest.json": "v3"})
    assert target.is_symlink() and os.readlink(target) == ".2026-10.3"
    assert _read(target) == {"manifest.json": "v3"}
    # The previous version stays for a reader that resolved the link just before the flip.
    assert sorted(p.name for p in exports.iterdir()) == [".2026-10.2", ".2026-10.3", "2026-10"]


def test_a_real_folder_in_place_of_the_link_is_replaced(tmp_path: Path) -> None:
    """Written before links were used, or copied with links followed next to its versions."""
    exports = tmp_path / "exports"
    _write(exports, {"manifest.json": "v1"})
    (exports / "2026-10").unlink()
    shutil.copytree(exports / ".2026-10.1", exports / "2026-10")
    target = _write(exports, {"manifest.json": "v2"})
    assert target.is_symlink() and _read(target) == {"manifest.json": "v2"}
    assert sorted(p.name for p in exports.iterdir()) == [".2026-10.1", ".2026-10.2", "2026-10"]


def test_a_write_killed_before_the_flip_leaves_the_old_set_and_is_cleaned_up(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    target = _write(exports, {"manifest.json": "v1"})
    # A real process killed while writing the next version, before it is published.
    script = (
        "import os, sys; from pathlib import Path; from orchestration.exports import swap; "
        "s = swap.staging_folder(Path(sys.argv[1]), '2026-10'); (s / 'half.csv').write_text('x'); "
        "os.kill(os.getpid(), 9)"
    )
    killed = subprocess.run([sys.executable, "-c", script, str(exports)], cwd=Path(__file__).parents[1])
    assert killed.returncode == -9
    assert _read(target) == {"manifest.json": "v1"}
    assert (exports / ".2026-10.2.partial").is_dir()
    _write(exports, {"manifest.json": "v2"})
    assert _read(target) == {"manifest.json": "v2"}
    assert not list(exports.glob("*.partial"))


def test_a_missing_link_after_an_interrupted_flip_is_restored_to_the_newest_complete_set(
    tmp_path: Path,
) -> None:
    exports = tmp_path / "exports"
    _write(exports, {"manifest.json": "v1"})
    _write(exports, {"manifest.json": "v2"})
    # The state a kill between moving an old folder aside and linking the new one leaves.
    (exports / "2026-10").unlink()
    swap.recover(exports, "2026-10")
    assert _read(exports / "2026-10") == {"manifest.json": "v2"}
