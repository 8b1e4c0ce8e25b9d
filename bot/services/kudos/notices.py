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
from bot.services.core.context import ServiceContext
from bot.services.kudos.queries import KudosQueries
from storage.db import insert_ignore
from storage.models_delivery import OutboundMessage
from storage.models_kudos import Kudos, KudosPost


class KudosNotices:
    """The receiver's DM and the kudos channel post, written to the outbox in the caller's transaction."""

    def __init__(self, ctx: ServiceContext, queries: KudosQueries) -> None:
        self._ctx = ctx
        self._queries = queries

    def receiver_dm(self, session: Session, kudos: Kudos) -> None:
        """DM the receiver once per natural key; given again after being taken back, that DM is restored."""
        view = self._queries.view_of(session, kudos)
        text, blocks = kudos_blocks.received_text(view), kudos_blocks.received_dm(view)
        base = _dm_key(kudos.giver_id, kudos.receiver_id, kudos.channel_id, kudos.message_ts, kudos.reaction)
        if not self._ctx.outbox.add(session, team_id=kudos.team_id, key=base, channel=kudos.receiver_id,
                                    text=text, blocks=blocks):
            self._update(session, kudos.team_id, base, kudos.receiver_id, text, blocks)

    def taken_back_dm(self, session: Session, natural: dict[str, Any]) -> None:
        """The receiver's DM about a kudos now taken back says so, in place (it never claims what is gone)."""
        base = _dm_key(natural["giver_id"], natural["receiver_id"], natural["channel_id"], natural["message_ts"],
                       natural["reaction"])
        if not self._queued(session, natural["team_id"], base):
            return
        text = kudos_blocks.taken_back_text(natural["giver_id"])
        self._update(session, natural["team_id"], base, natural["receiver_id"], text,
                     kudos_blocks.taken_back_dm(natural["giver_id"]))

    def refresh_post(self, session: Session, team_id: str, channel: str, ts: str, *, create: bool) -> None:
        """Post, or update in place, the one public post of this source in the kudos channel.

        When the last kudos of the source is taken back, the post is deleted (no public "taken back" notice),
        and a later kudos on the same source starts a new post (key `kudos-post:{id}.g1`, `.g2`…)."""
        where = (KudosPost.team_id == team_id, KudosPost.source_channel == channel, KudosPost.source_ts == ts)
        if create and self._ctx.settings.kudos_channel:
            insert_ignore(session, KudosPost, {"team_id": team_id, "source_channel": channel, "source_ts": ts,
                                               "post_channel": self._ctx.settings.kudos_channel,
                                               "created_at": self._ctx.clock()})
        post = session.scalar(select(KudosPost).where(*where).with_for_update())
        if post is None:
            return
        view = self._queries.post_view(session, team_id, channel, ts)
        base = self._post_key(session, team_id, post.id)
        if not view.count:
            if self._queued(session, team_id, base):
                self._ctx.outbox.add(session, team_id=team_id, key=f"{base}:deleted", channel=post.post_channel,
                                     text="", method="chat.delete", update_of=base)
            return
        text, blocks = kudos_blocks.public_post_text(view), kudos_blocks.public_post(view)
        if self._ctx.outbox.add(session, team_id=team_id, key=base, channel=post.post_channel, text=text,
                                blocks=blocks, on_sent=f"kudos.post:{post.id}"):
            return
        self._update(session, team_id, base, post.post_channel, text, blocks)

    @staticmethod
    def _post_key(session: Session, team_id: str, post_id: int) -> str:
        """The outbox key of the post's current message: each deletion (last kudos taken back) starts a new one."""
        first = f"kudos-post:{post_id}"
        deleted = session.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.team_id == team_id,
            or_(OutboundMessage.dedupe_key == f"{first}:deleted",
                OutboundMessage.dedupe_key.like(f"{first}.g%:deleted")))) or 0
        return first if not deleted else f"{first}.g{deleted}"

    def _queued(self, session: Session, team_id: str, key: str) -> bool:
        return session.scalar(select(OutboundMessage.id).where(OutboundMessage.team_id == team_id,
                                                               OutboundMessage.dedupe_key == key)) is not None

    def _update(self, session: Session, team_id: str, base: str, channel: str, text: str,
                blocks: list[dict[str, Any]]) -> None:
        """Each change is its own update row (v2, v3…), delivered in order after the first message."""
        versions = session.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.team_id == team_id,
            or_(OutboundMessage.dedupe_key == base, OutboundMessage.dedupe_key.like(base + ":v%")))) or 1
        self._ctx.outbox.add(session, team_id=team_id, key=f"{base}:v{versions + 1}", channel=channel,
                             text=text, blocks=blocks, update_of=base)


def _dm_key(giver: str, receiver: str, channel: str, ts: str, reaction: str) -> str:
    return f"kudos-dm:{giver}:{receiver}:{channel}:{ts}:{reaction}"


def remember_post(session: Session, row: OutboundMessage, answer: dict[str, Any], arg: str) -> None:
    """Keep the ts of a kudos channel post (the outbox row keeps it too; this is for links and tools)."""
    post = session.get(KudosPost, int(arg))
    if post is not None and answer.get("ts"):
        post.post_ts = str(answer["ts"])
