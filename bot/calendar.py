"""Calendar invites of 1-on-1s, written by hand (pure): an RFC 5545 `.ics`, Google Calendar and Outlook links.

One UID per 1-on-1 (stable across reschedules), SEQUENCE raised on every new time, METHOD:CANCEL with
STATUS:CANCELLED when the meeting is cancelled, so calendar apps update or remove the one event they have.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

PRODID = "-//okrbot//1-on-1s//EN"


@dataclass(frozen=True)
class Meeting:
    """What a calendar needs to know about one 1-on-1 (times aware, any zone)."""

    uid: str
    title: str
    start: datetime
    minutes: int
    description: str
    sequence: int = 0
    cancelled: bool = False
    link: str | None = None  # back to the 1-on-1's message in Slack

    @property
    def end(self) -> datetime:
        """When it ends."""
        return self.start + timedelta(minutes=self.minutes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (times as ISO strings), for an outbox payload."""
        values = asdict(self)
        values["start"] = self.start.astimezone(UTC).isoformat()
        return values

    @classmethod
    def from_json(cls, values: dict[str, Any], *, link: str | None = None) -> Meeting:
        """The meeting of `to_json`, with the link known at delivery."""
        data = {**values, "start": datetime.fromisoformat(values["start"])}
        if link:
            data["link"] = link
        return cls(**data)


def uid_for(team_id: str, one_on_one_id: int) -> str:
    """The stable UID of a 1-on-1's calendar event."""
    return f"1on1-{one_on_one_id}-{team_id.lower()}@okrbot"


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """TEXT escaping of RFC 5545 §3.3.11."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (§3.1), never inside a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        limit = 75 if not out else 74  # continuation lines start with a space
        if len(current) + len(encoded) > limit:
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def ics(meeting: Meeting, *, stamp: datetime) -> str:
    """The `.ics` text (CRLF line ends, folded lines) of `meeting`; `stamp` is DTSTAMP (now)."""
    description = meeting.description + (f"\n\nIn Slack: {meeting.link}" if meeting.link else "")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if meeting.cancelled else 'PUBLISH'}",
        "BEGIN:VEVENT",
        f"UID:{meeting.uid}",
        f"DTSTAMP:{_stamp(stamp)}",
        f"DTSTART:{_stamp(meeting.start)}",
        f"DTEND:{_stamp(meeting.end)}",
        f"SEQUENCE:{meeting.sequence}",
        f"STATUS:{'CANCELLED' if meeting.cancelled else 'CONFIRMED'}",
        f"SUMMARY:{_text(meeting.title)}",
        f"DESCRIPTION:{_text(description)}",
        *([f"URL:{meeting.link}"] if meeting.link else []),
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _details(meeting: Meeting) -> str:
    return meeting.description + (f"\n\nIn Slack: {meeting.link}" if meeting.link else "")


def google_link(meeting: Meeting) -> str:
    """A Google Calendar 'new event' link prefilled with title, time, and details (with the Slack link)."""
    return "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": meeting.title,
        "dates": f"{_stamp(meeting.start)}/{_stamp(meeting.end)}", "details": _details(meeting)})


def outlook_link(meeting: Meeting) -> str:
    """An Outlook on the web 'new event' link prefilled with title, time, and body (with the Slack link)."""
    def iso(when: datetime) -> str:
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return "https://outlook.office.com/calendar/0/deeplink/compose?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": meeting.title,
        "startdt": iso(meeting.start), "enddt": iso(meeting.end), "body": _details(meeting)})
