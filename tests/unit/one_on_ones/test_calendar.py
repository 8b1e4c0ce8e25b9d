"""The 1-on-1 calendar invite: the .ics parsed with the icalendar library, and the Google/Outlook links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar

from bot.calendar import Meeting, google_link, ics, outlook_link, uid_for

START = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def meeting(**changes: object) -> Meeting:
    values = {"uid": uid_for("T0001", 7), "title": "1-on-1: ravi & maria", "start": START, "minutes": 30,
              "description": "Talking points:\n• Q4 hiring; budget, headcount", "link": "https://acme.slack.com/x"}
    return Meeting(**{**values, **changes})


def event_of(text: str) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(text)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_the_ics_parses_with_uid_times_sequence_and_escaped_text() -> None:
    """The .ics is valid RFC 5545: UID, UTC start/end 30 minutes apart, SEQUENCE, the text round-trips."""
    text = ics(meeting(), stamp=NOW)
    assert text.endswith("\r\n") and all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar, event = event_of(text)
    assert str(calendar["METHOD"]) == "PUBLISH" and str(calendar["VERSION"]) == "2.0"
    assert str(event["UID"]) == "1on1-7-t0001@okrbot"
    assert event.decoded("DTSTART") == START and event.decoded("DTEND") == START + timedelta(minutes=30)
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "1-on-1: ravi & maria"
    assert str(event["DESCRIPTION"]).startswith("Talking points:\n• Q4 hiring; budget, headcount")
    assert "In Slack: https://acme.slack.com/x" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == "https://acme.slack.com/x"


def test_a_reschedule_keeps_the_uid_and_raises_the_sequence() -> None:
    """The same 1-on-1 moved: same UID, higher SEQUENCE, the new start."""
    _, first = event_of(ics(meeting(), stamp=NOW))
    _, moved = event_of(ics(meeting(start=START + timedelta(days=1), sequence=1), stamp=NOW))
    assert moved["UID"] == first["UID"] and int(moved["SEQUENCE"]) == 1
    assert moved.decoded("DTSTART") == START + timedelta(days=1)


def test_a_cancelled_meeting_is_method_cancel() -> None:
    """Cancelled: METHOD:CANCEL and STATUS:CANCELLED on the same UID."""
    calendar, event = event_of(ics(meeting(cancelled=True, sequence=2), stamp=NOW))
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 2


def test_long_text_is_folded_without_breaking_characters() -> None:
    """A 400-character description with emoji folds at 75 octets and unfolds to the same text."""
    long = "Ünïcödé 🎯 " * 40
    _, event = event_of(ics(meeting(description=long, link=None), stamp=NOW))
    assert str(event["DESCRIPTION"]) == long


def test_google_and_outlook_links_carry_title_time_and_the_slack_link() -> None:
    """Both links are prefilled with the title, the UTC start and end, and the link back to Slack."""
    google = parse_qs(urlsplit(google_link(meeting())).query)
    assert google["text"] == ["1-on-1: ravi & maria"] and google["dates"] == ["20261118T090000Z/20261118T093000Z"]
    assert "https://acme.slack.com/x" in google["details"][0]
    outlook = parse_qs(urlsplit(outlook_link(meeting(minutes=45))).query)
    assert outlook["subject"] == ["1-on-1: ravi & maria"]
    assert (outlook["startdt"], outlook["enddt"]) == (["2026-11-18T09:00:00Z"], ["2026-11-18T09:45:00Z"])
    assert "https://acme.slack.com/x" in outlook["body"][0]


def test_a_meeting_survives_the_outbox_payload() -> None:
    """to_json / from_json round-trip, the link added at delivery."""
    again = Meeting.from_json(meeting(link=None).to_json(), link="https://l")
    assert again == meeting(link="https://l")
