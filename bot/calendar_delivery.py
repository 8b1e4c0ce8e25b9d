"""Delivering a 1-on-1's calendar invite from the outbox (one row, method INVITE_METHOD).

At delivery the pair's message is known (the row's `channel_of` names its outbox key), so the invite links
back to it: a message with Google Calendar and Outlook buttons, then the `.ics` through Slack's external
upload (files.getUploadURLExternal, a POST of the bytes, files.completeUploadExternal) in the same DM.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.blocks.one_on_ones_meetings import calendar_message
from bot.calendar import Meeting, ics

INVITE_METHOD = "okrbot.calendarInvite"
log = logging.getLogger("okrbot.calendar")

Call = Callable[..., dict[str, Any]]  # (method, args, form=False) -> Slack's answer


def deliver_invite(call: Call, post_bytes: Callable[[str, bytes], None], args: dict[str, Any],
                   stamp: datetime) -> dict[str, Any]:
    """Post the "Add to calendar" message and upload the `.ics` into `args["channel"]`; Slack's answers."""
    channel = args["channel"]
    link = None
    if args.get("ref_ts"):
        try:
            link = call("chat.getPermalink", {"channel": channel, "message_ts": args["ref_ts"]}).get("permalink")
        except Exception:  # an invite without the link beats no invite; logged with its cause
            log.warning("no permalink for the 1-on-1 message in %s; the invite goes without it", channel,
                        exc_info=True)
    meeting = Meeting.from_json(args["meeting"], link=link)
    message = call("chat.postMessage", {"channel": channel, "text": args.get("text") or meeting.title,
                                        "blocks": calendar_message(meeting)})
    content = ics(meeting, stamp=stamp).encode("utf-8")
    ticket = call("files.getUploadURLExternal", {"filename": args.get("filename") or "1on1.ics",
                                                 "length": len(content)}, form=True)
    post_bytes(ticket["upload_url"], content)
    call("files.completeUploadExternal", {"files": json.dumps([{"id": ticket["file_id"], "title": meeting.title}]),
                                          "channel_id": channel}, form=True)
    return {"channel": message.get("channel", channel), "ts": message.get("ts"), "file_id": ticket["file_id"]}
