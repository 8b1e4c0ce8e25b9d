"""`make screenshots`: the README's images are drawn by the sandbox's Block Kit renderer in Chromium."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.screenshots import render

pytestmark = pytest.mark.browser


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_screenshots_are_written_as_pngs(tmp_path: Path, browser: Any) -> None:
    """The agenda, the request DM, the Home tab and the page itself come out as real, non-trivial images."""
    written = render(tmp_path, browser)
    assert sorted(p.name for p in written) == ["agenda.png", "home.png", "request-dm.png", "sandbox.png"]
    for path in written:
        width, height = png_size(path)
        assert width >= 600 and height >= 150, (path.name, width, height)
