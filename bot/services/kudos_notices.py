"""What other people are told about kudos: the receiver's DM and the one public post per source.

The public post of a source (a reacted message, or one /kudos) is posted once (outbox key
`kudos-post:{id}`), then each change is its own `chat.update` row (`kudos-post:{id}:v2`, `:v3`…), so
three claps on one message make one post edited twice. The post row is locked while it is refreshed,
so concurrent claps are rendered in order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.blocks import kudos as kudos_blocks
from bot.services.context import ServiceContext
from bot.services.kudos_queries import KudosQueries
from bot.services.outbox import outbox_hook
from storage.db import insert_ignore
from storage.models import Kudos, KudosPost, OutboundMessage


class KudosNotices:
    """The receiver's DM and the kudos channel post, written to the outbox in the caller's transaction."""

    def __init__(self, ctx: ServiceContext, queries: KudosQueries) -> None:
        self._ctx = ctx
        self._queries = queries

    def receiver_dm(self, session: Session, kudos: Kudos) -> None:
        """DM the receiver (once per natural key: taking back and giving again does not DM twice)."""
        view = self._queries.view_of(session, kudos)
        key = f"kudos-dm:{kudos.giver_id}:{kudos.receiver_id}:{kudos.channel_id}:{kudos.message_ts}:{kudos.reaction}"
        self._ctx.outbox.add(session, team_id=kudos.team_id, key=key, channel=kudos.receiver_id,
                             text=kudos_blocks.received_text(view), blocks=kudos_blocks.received_dm(view))

    def refresh_post(self, session: Session, team_id: str, channel: str, ts: str, *, create: bool) -> None:
        """Post, or update in place, the one public post of this source in the kudos channel."""
        where = (KudosPost.team_id == team_id, KudosPost.source_channel == channel, KudosPost.source_ts == ts)
        if create and self._ctx.settings.kudos_channel:
            insert_ignore(session, KudosPost, {"team_id": team_id, "source_channel": channel, "source_ts": ts,
                                               "post_channel": self._ctx.settings.kudos_channel,
                                               "created_at": self._ctx.clock()})
        post = session.scalar(select(KudosPost).where(*where).with_for_update())
        if post is None:
            return
        view = self._queries.post_view(session, team_id, channel, ts)
        text, blocks = kudos_blocks.public_post_text(view), kudos_blocks.public_post(view)
        base = f"kudos-post:{post.id}"
        if self._ctx.outbox.add(session, team_id=team_id, key=base, channel=post.post_channel, text=text,
                                blocks=blocks, on_sent=f"kudos.post:{post.id}"):
            return
        # Each change is its own update row (v2, v3…), delivered in order after the first post.
        versions = session.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.team_id == team_id,
            or_(OutboundMessage.dedupe_key == base, OutboundMessage.dedupe_key.like(base + ":v%")))) or 1
        self._ctx.outbox.add(session, team_id=team_id, key=f"{base}:v{versions + 1}", channel=post.post_channel,
                             text=text, blocks=blocks, update_of=base)


@outbox_hook("kudos.post")
def remember_post(session: Session, row: OutboundMessage, answer: dict[str, Any], arg: str) -> None:
    """Keep the ts of a kudos channel post (the outbox row keeps it too; this is for links and tools)."""
    post = session.get(KudosPost, int(arg))
    if post is not None and answer.get("ts"):
        post.post_ts = str(answer["ts"])
