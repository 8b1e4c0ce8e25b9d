"""The page's Block Kit and mrkdwn renderer (bot/sandbox/static/blockkit.js), in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from bot.sandbox.server import page_app
from bot.web import LocalServer

pytestmark = pytest.mark.browser

USERS = {"URAVI": {"name": "Ravi"}, "UMARIA": {"name": "Maria"}}
CHANNELS = {"CKUDOS": {"name": "kudos"}}
RENDER = """([blocks, tz, users, channels]) => {
  window.actions = [];
  const root = document.getElementById("shot");
  root.innerHTML = "";
  root.appendChild(BlockKit.render(blocks, {users, channels, tz, me: "UMARIA",
    onAction: (a) => window.actions.push({action_id: a.action_id, block_id: a.block_id, value: a.value})}));
}"""


def text(value: str, kind: str = "mrkdwn") -> dict[str, Any]:
    """A text object."""
    return {"type": kind, "text": value}


def section(value: str, **extra: Any) -> dict[str, Any]:
    """A section block."""
    return {"type": "section", "block_id": extra.pop("block_id", "s"), "text": text(value), **extra}


@pytest.fixture(scope="module")
def static_server() -> Iterator[str]:
    """The sandbox's static files alone (render.html and the renderer), on an ephemeral port."""
    server = LocalServer(page_app(lambda: None)).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def draw(browser: Any, static_server: str) -> Iterator[Any]:
    """draw(blocks, tz="UTC") renders blocks on a blank page and returns the page."""
    expect.set_options(timeout=5000)
    page = browser.new_page()
    page.goto(static_server + "/sandbox/static/render.html")

    def render(blocks: list[dict[str, Any]], tz: str = "UTC") -> Any:
        page.evaluate(RENDER, [blocks, tz, USERS, CHANNELS])
        return page

    yield render
    page.close()


# --------------------------------------------------------------------------- mrkdwn


def test_bold_italics_strike_and_code(draw: Any) -> None:
    """*bold*, _italics_, ~strike~ and `code` become the matching elements."""
    page = draw([section("*bold* _italic_ ~gone~ `x = 1`")])
    assert page.inner_text("#shot b") == "bold"
    assert page.inner_text("#shot i") == "italic"
    assert page.inner_text("#shot s") == "gone"
    assert page.inner_text("#shot code") == "x = 1"


def test_mentions_show_names_and_channels(draw: Any) -> None:
    """<@U…> shows the person's name, <#C…|name> the channel; unknown users keep their id."""
    page = draw([section("<@URAVI> and <@UNOBODY> in <#CKUDOS|kudos>")])
    expect(page.locator("#shot")).to_have_text("@Ravi and @UNOBODY in #kudos")


def test_links_keep_their_label_and_only_web_schemes(draw: Any) -> None:
    """<url|label> is a link with its label; a javascript: URL is shown as text, never as a link."""
    page = draw([section("<https://example.com/okr|the OKR> <javascript:alert(1)|click>")])
    link = page.locator("#shot a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "https://example.com/okr")
    expect(link).to_have_text("the OKR")


def test_emoji_shortcodes_become_emoji(draw: Any) -> None:
    """:clap: and :large_green_circle: are drawn as emoji; unknown shortcodes stay as typed."""
    page = draw([section(":clap: :large_green_circle: :not_an_emoji:")])
    expect(page.locator("#shot")).to_have_text("👏 🟢 :not_an_emoji:")


def test_html_in_text_is_shown_not_run(draw: Any) -> None:
    """Markup in a message is text: no element is created from it."""
    page = draw([section("<img src=x onerror=alert(1)> &lt;b&gt;not bold&lt;/b&gt; &amp; done")])
    expect(page.locator("#shot img")).to_have_count(0)
    expect(page.locator("#shot b")).to_have_count(0)
    expect(page.locator("#shot")).to_contain_text("<b>not bold</b> & done")


def test_dates_show_in_the_readers_timezone(draw: Any) -> None:
    """<!date^…> renders with its format in the viewer's timezone (Ravi in Kolkata sees 15:30 UTC as 9:00 PM)."""
    page = draw([section("<!date^1795620600^{date_short} at {time}|2026-11-25 15:30 UTC>")], tz="Asia/Kolkata")
    expect(page.locator("#shot")).to_have_text("Nov 25, 2026 at 9:00 PM")


def test_quotes_and_line_breaks(draw: Any) -> None:
    """A line starting with > is a quote; newlines are line breaks."""
    page = draw([section("first\nsecond\n&gt; quoted")])
    expect(page.locator("#shot blockquote")).to_have_text("quoted")
    expect(page.locator("#shot br")).to_have_count(2)


# --------------------------------------------------------------------------- blocks


def test_header_divider_context_and_fields(draw: Any) -> None:
    """Header, divider, context and section fields each get their own element."""
    page = draw([
        {"type": "header", "text": text("Agenda :calendar:", "plain_text")},
        {"type": "divider"},
        {"type": "context", "elements": [text("_small print_"), {"type": "image", "image_url": "https://x/y.png",
                                                                  "alt_text": "avatar of Ravi"}]},
        {"type": "section", "fields": [text("*Topic*\nHiring"), text("*When*\nTuesday")]},
    ])
    expect(page.get_by_role("heading")).to_have_text("Agenda 📆")
    expect(page.locator("#shot hr")).to_have_count(1)
    expect(page.locator("#shot .bk-context")).to_contain_text("small print")
    expect(page.locator("#shot .bk-context")).to_contain_text("avatar of Ravi")
    expect(page.locator("#shot .bk-field")).to_have_count(2)


def test_image_block_shows_its_alt_text(draw: Any) -> None:
    """Images are not fetched: the block shows its title and alt text."""
    page = draw([{"type": "image", "image_url": "https://example.com/chart.png", "alt_text": "Activation chart",
                  "title": text("Week 1", "plain_text")}])
    expect(page.get_by_role("img")).to_have_accessible_name("Activation chart")
    expect(page.locator("#shot figcaption")).to_have_text("Week 1")


def test_buttons_keep_their_style_and_send_their_value(draw: Any) -> None:
    """Primary and danger buttons are styled as such; a click reports action_id, block_id and value."""
    page = draw([{"type": "actions", "block_id": "answer", "elements": [
        {"type": "button", "action_id": "yes", "text": text("Accept", "plain_text"), "value": "7", "style": "primary"},
        {"type": "button", "action_id": "no", "text": text("Decline", "plain_text"), "value": "7", "style": "danger"},
    ]}])
    expect(page.get_by_role("button", name="Accept")).to_have_class("bk-button primary")
    expect(page.get_by_role("button", name="Decline")).to_have_class("bk-button danger")
    page.get_by_role("button", name="Accept").click()
    assert page.evaluate("window.actions") == [{"action_id": "yes", "block_id": "answer", "value": "7"}]


def test_select_in_a_message_sends_the_chosen_option(draw: Any) -> None:
    """Choosing in a static select of an actions block reports the option's value."""
    page = draw([{"type": "actions", "block_id": "pick", "elements": [{
        "type": "static_select", "action_id": "status", "placeholder": text("Status", "plain_text"),
        "options": [{"text": text("On track", "plain_text"), "value": "on_track"},
                    {"text": text("Off track", "plain_text"), "value": "off_track"}]}]}])
    page.get_by_label("Status").select_option("off_track")
    assert page.evaluate("window.actions") == [{"action_id": "status", "block_id": "pick", "value": "off_track"}]


def test_overflow_menu_lists_its_options(draw: Any) -> None:
    """The ⋮ accessory opens its options; choosing one reports its value."""
    page = draw([section("A task", accessory={"type": "overflow", "action_id": "more", "options": [
        {"text": text("Mark done", "plain_text"), "value": "done"},
        {"text": text("Delete", "plain_text"), "value": "delete"}]})])
    page.get_by_role("button", name="More options").click()
    page.get_by_role("menuitem", name="Delete").click()
    assert page.evaluate("window.actions") == [{"action_id": "more", "block_id": "s", "value": "delete"}]


def test_unknown_blocks_do_not_break_the_rest(draw: Any) -> None:
    """A block type the renderer does not know shows a placeholder; the next block still renders."""
    page = draw([{"type": "hologram"}, section("still here")])
    expect(page.locator("#shot .bk-unsupported")).to_have_text("[hologram block]")
    expect(page.locator("#shot")).to_contain_text("still here")


# --------------------------------------------------------------------------- modal inputs

FORM = [
    {"type": "input", "block_id": "title", "label": text("Title", "plain_text"),
     "element": {"type": "plain_text_input", "action_id": "t"}},
    {"type": "input", "block_id": "notes", "optional": True, "label": text("Notes", "plain_text"),
     "element": {"type": "plain_text_input", "action_id": "n", "multiline": True}},
    {"type": "input", "block_id": "status", "label": text("Status", "plain_text"),
     "element": {"type": "static_select", "action_id": "s", "options": [
         {"text": text("Ahead", "plain_text"), "value": "ahead"},
         {"text": text("Behind", "plain_text"), "value": "behind"}]}},
    {"type": "input", "block_id": "tags", "optional": True, "label": text("Tags", "plain_text"),
     "element": {"type": "multi_static_select", "action_id": "g", "options": [
         {"text": text("a", "plain_text"), "value": "a"}, {"text": text("b", "plain_text"), "value": "b"}]}},
    {"type": "input", "block_id": "who", "label": text("Who", "plain_text"),
     "element": {"type": "users_select", "action_id": "u", "initial_user": "URAVI"}},
    {"type": "input", "block_id": "day", "optional": True, "label": text("Day", "plain_text"),
     "element": {"type": "datepicker", "action_id": "d"}},
    {"type": "input", "block_id": "hour", "optional": True, "label": text("Hour", "plain_text"),
     "element": {"type": "timepicker", "action_id": "h"}},
    {"type": "input", "block_id": "share", "optional": True, "label": text("Share", "plain_text"),
     "element": {"type": "checkboxes", "action_id": "c", "options": [
         {"text": text("With my manager", "plain_text"), "value": "manager"}]}},
    {"type": "input", "block_id": "when", "optional": True, "label": text("When", "plain_text"),
     "element": {"type": "radio_buttons", "action_id": "r", "options": [
         {"text": text("This week", "plain_text"), "value": "week"},
         {"text": text("This month", "plain_text"), "value": "month"}]}},
]


def draw_form(draw: Any) -> Any:
    """Render FORM with the demo people available to users selects."""
    page = draw([])
    page.evaluate("""(blocks) => {
      const root = document.getElementById("shot");
      root.innerHTML = "";
      root.appendChild(BlockKit.render(blocks, {people: [{id: "URAVI", real_name: "Ravi Iyer"},
        {id: "UMARIA", real_name: "Maria Schmidt"}]}));
    }""", FORM)
    return page


def test_every_input_becomes_the_matching_control(draw: Any) -> None:
    """Text, multiline text, selects, users select, date and time pickers, checkboxes and radios get controls."""
    page = draw_form(draw)
    assert page.locator("#shot input[type=text]").count() == 1
    assert page.locator("#shot textarea").count() == 1
    assert page.locator("#shot select:not([multiple])").count() == 2
    assert page.locator("#shot select[multiple]").count() == 1
    assert page.locator("#shot input[type=date]").count() == 1
    assert page.locator("#shot input[type=time]").count() == 1
    assert page.locator("#shot input[type=checkbox]").count() == 1
    assert page.locator("#shot input[type=radio]").count() == 2
    expect(page.get_by_label("Who")).to_have_value("URAVI")


def test_form_values_are_collected_by_block(draw: Any) -> None:
    """What a person enters comes back as {block_id: value}, the shape the sandbox sends as view state."""
    page = draw_form(draw)
    page.get_by_label("Title").fill("Ship it")
    page.get_by_label("Status").select_option("behind")
    page.get_by_label("Tags").select_option(["a", "b"])
    page.get_by_label("Day").fill("2026-12-01")
    page.get_by_label("Hour").fill("09:30")
    page.get_by_label("With my manager").check()
    page.get_by_label("This month").check()
    values = page.evaluate("BlockKit.collect(document.getElementById('shot'))")
    assert values == {"title": "Ship it", "notes": None, "status": "behind", "tags": ["a", "b"], "who": "URAVI",
                      "day": "2026-12-01", "hour": "09:30", "share": ["manager"], "when": "month"}


def test_required_inputs_left_empty_are_flagged(draw: Any) -> None:
    """Slack's own check before submitting: required inputs left empty get an error; optional ones do not."""
    page = draw_form(draw)
    errors = page.evaluate("(blocks) => BlockKit.validate(document.getElementById('shot'), blocks)", FORM)
    assert errors == {"title": "Please complete this required field.",
                      "status": "Please complete this required field."}
