"""`make screenshots`: okrbot's messages as PNG images for the README, drawn by the sandbox's Block Kit renderer.

    python -m bot.sandbox.screenshots [OUTPUT_DIR]     (default docs/screenshots/)

It starts a throwaway sandbox, has Ravi request a 1-on-1 and Maria open her Home tab (so those are the real
app's output), takes the mid-month agenda from its golden file (tests/unit/agenda/golden/), and renders
each with bot/sandbox/static/blockkit.js in Debian's headless Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.sandbox import seed
from bot.sandbox.server import Sandbox, start

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "docs" / "screenshots"
GOLDEN_AGENDA = ROOT / "tests" / "unit" / "agenda" / "golden" / "off_track_with_obstacles.message.json"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, with the flags a container needs (Playwright's own build is not used)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def _wait(found: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.1)
    raise RuntimeError(f"okrbot did not produce {what} within {timeout:g}s")


def request_dm(sandbox: Sandbox) -> dict[str, Any]:
    """Ravi asks Maria for a 1-on-1; the request message in Maria's DM with okrbot."""
    sandbox.command("URAVI", sandbox.slack.dm_channel("URAVI"),
                    "/request-1on1 @maria Onboarding metrics and the analytics blocker")
    maria = sandbox.slack.dm_channel("UMARIA")
    return _wait(lambda: next((m for m in sandbox.slack.messages(maria) if m.get("blocks")), None),
                 "the request DM")


def home_tab(sandbox: Sandbox) -> dict[str, Any]:
    """Maria opens okrbot's Home tab; the view okrbot publishes."""
    sandbox.open_app("UMARIA", "home")
    return _wait(lambda: sandbox.slack.home_view("UMARIA"), "the Home tab")


def shots(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """What to draw: file name → a spec for render.html's renderShot()."""
    state = sandbox.state()
    users = {u["id"]: {"name": u["profile"]["display_name"] or u["name"]} for u in state["users"]}
    channels = {c["id"]: {"name": c.get("name")} for c in state["channels"]}
    common = {"users": users, "channels": channels, "tz": "Europe/Berlin", "me": "UMARIA"}
    agenda = json.loads(GOLDEN_AGENDA.read_text())["blocks"]
    request = request_dm(sandbox)
    home = home_tab(sandbox)
    return {
        "agenda.png": {**common, "kind": "message", "blocks": agenda, "ts": time.time()},
        "request-dm.png": {**common, "kind": "message", "blocks": request["blocks"], "ts": float(request["ts"])},
        "home.png": {**common, "kind": "home", "blocks": home["blocks"]},
    }


def render(out: Path = OUTPUT, browser: Any = None) -> list[Path]:
    """Write the PNGs into `out` (with `browser`, else a Chromium of its own); returns their paths."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        if not CHROMIUM.exists():
            raise SystemExit("make screenshots needs Debian's Chromium at /usr/bin/chromium "
                             "(apt-get install chromium)")
        with sync_playwright() as playwright:
            own = launch_chromium(playwright)
            try:
                return render(out, own)
            finally:
                own.close()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = start(Path(tmp) / "screenshots.db", scheduler=False)
        try:
            sandbox.runtime.sender().drain(10)
            specs = shots(sandbox)
            page = browser.new_page(viewport={"width": 1000, "height": 800}, device_scale_factor=2)
            page.goto(sandbox.url + "sandbox/static/render.html")
            for name, spec in specs.items():
                page.evaluate("spec => window.renderShot(spec)", spec)
                page.locator("#shot").screenshot(path=str(out / name))
                written.append(out / name)
            page.close()
            written.append(_whole_page(browser, sandbox, out / "sandbox.png"))
        finally:
            sandbox.stop()
    return written


def _whole_page(browser: Any, sandbox: Sandbox, path: Path) -> Path:
    """The sandbox page itself: Maria reading Ravi's request in her conversation with okrbot."""
    page = browser.new_page(viewport={"width": 1280, "height": 760}, device_scale_factor=1)
    page.goto(sandbox.url)
    page.get_by_label("You are").select_option("UMARIA")
    page.locator(".sidebar [data-app='okrbot']").click()
    page.get_by_role("tab", name="Messages").click()
    page.locator("#messages .message").filter(has_text="asks you for a 1-on-1").wait_for()
    page.mouse.move(0, 0)
    page.screenshot(path=str(path))
    page.close()
    return path


def main(argv: list[str] | None = None) -> None:
    """Entry point of `python -m bot.sandbox.screenshots`."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUTPUT
    for path in render(out):
        print(f"wrote {path}")
    print(f"(demo workspace: {seed.TEAM_NAME})")


if __name__ == "__main__":
    main()
