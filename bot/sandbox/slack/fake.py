"""A loopback stand-in for Slack's Web API: the real WebClient talks to it, tests read its transcript.

    with FakeSlack() as fake:
        fake.add_user("U1", "ravi", tz="Asia/Kolkata")
        client = WebClient(base_url=fake.base_url, token=fake.bot_token)
        client.chat_postMessage(channel="U1", text="hi")
        [call] = fake.wait_for("chat.postMessage")

It answers like Slack (shapes, error codes, Block Kit limits), keeps the workspace's state (messages,
ephemerals, Home tabs, modal stacks, reactions) for the sandbox page, and can be told to fail.

FakeSlack is put together from one mixin per responsibility, all sharing the state made in __init__:
serving.py (HTTP, auth, dispatch), transcript.py (calls, failures, subscribers), workspace.py (state and
what people do), methods/ (one module per Web API family), oauth.py (installs for more workspaces).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.sandbox.slack.methods.chat import ChatMethods
from bot.sandbox.slack.methods.conversations import ConversationMethods
from bot.sandbox.slack.methods.files import FileMethods
from bot.sandbox.slack.methods.reactions import ReactionMethods
from bot.sandbox.slack.methods.response_urls import ResponseUrlMethods
from bot.sandbox.slack.methods.users import UserMethods
from bot.sandbox.slack.methods.views import ViewMethods
from bot.sandbox.slack.oauth import OAuthInstalls
from bot.sandbox.slack.serving import Serving, SlackHTTPHandler, SlackHTTPServer
from bot.sandbox.slack.shapes import new_trigger_id
from bot.sandbox.slack.transcript import Call, Failure, Transcript
from bot.sandbox.slack.workspace import Workspace


class FakeSlack(Serving, Transcript, Workspace, UserMethods, ConversationMethods, ChatMethods, ViewMethods,
                ReactionMethods, FileMethods, ResponseUrlMethods, OAuthInstalls):
    """Slack's Web API on 127.0.0.1 for one workspace, with the workspace's state and a call transcript."""

    def __init__(
        self,
        team_id: str = "T0001",
        team_name: str = "Acme",
        bot_user_id: str = "UBOT",
        bot_token: str = "xoxb-test",
        latency: float = 0.0,
        *,
        bot_id: str | None = None,
        app_id: str = "A0OKRBOT01",
        port: int = 0,
    ) -> None:
        self.team_id, self.team_name = team_id, team_name
        self.domain = "".join(ch for ch in team_name.lower() if ch.isalnum() or ch == "-") or "workspace"
        self.bot_user_id, self.bot_token = bot_user_id, bot_token
        self.bot_id = bot_id or "B" + bot_user_id.removeprefix("U")
        self.app_id = app_id
        self.latency = latency
        self._port = port
        self._server: SlackHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[Call] = []
        self.count_only = False  # benches: count calls per (method, ok, metadata key) in `counted`, no bodies
        self.counted: Counter[tuple[str, bool, str | None]] = Counter()
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._users: dict[str, dict] = {}
        self._channels: dict[str, dict] = {}
        self._dms: dict[str, str] = {}
        self._messages: dict[str, list[dict]] = defaultdict(list)
        self._by_ts: dict[tuple[str, str], dict] = {}
        self._ephemerals: list[dict] = []
        self._homes: dict[str, dict] = {}
        self._stacks: dict[str | None, list[dict]] = defaultdict(list)
        self._used_triggers: set[str] = set()
        self._response_urls: dict[str, dict] = {}
        self._subscribers: list[Callable[[str, dict], None]] = []
        self._pending: list[tuple[str, dict]] = []
        self._ids = itertools.count(1)
        self._last_ts = 0
        self._created = int(time.time())
        # What apps.connections.open answers for an xapp- token (a Socket Mode peer's `url`); None: Socket Mode off.
        self.socket_mode_url: str | None = None
        self._methods: dict[str, Callable[[dict], dict]] = {
            "apps.connections.open": self._apps_connections_open,
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "reactions.get": self._reactions_get,
            "team.info": self._team_info,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }
        self._uploads: dict[str, dict] = {}
        self.add_user(bot_user_id, "okrbot", real_name="okrbot", is_bot=True)
        self._init_oauth()  # more workspaces through OAuth installs (bot/sandbox/slack/oauth.py)

    # ----------------------------------------------------------------------- lifecycle

    def start(self) -> FakeSlack:
        """Listen on 127.0.0.1 (an ephemeral port unless one was given) in a daemon thread."""
        server = SlackHTTPServer(("127.0.0.1", self._port), SlackHTTPHandler)
        server.fake = self
        self._server = server
        # A short poll interval makes stop() quick, which adds up over hundreds of tests.
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and wait for the server thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start() if self._server is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on (after start())."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT` without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What to give WebClient(base_url=...): `http://127.0.0.1:PORT/api/`."""
        return f"{self.url}/api/"

    # ----------------------------------------------------------------------- the workspace

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
        tz: str | None = "UTC",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
    ) -> dict:
        """Add (or replace) a member; tz is an IANA name, None for a user Slack has no timezone for."""
        if tz is not None:
            ZoneInfo(tz)  # fail here, not in the middle of a users.info answer
        user = {"id": user_id, "name": name, "real_name": real_name or name, "display_name": display_name or name,
                "email": email, "tz": tz, "is_bot": is_bot, "deleted": deleted, "is_admin": is_admin,
                "is_owner": is_owner, "updated": int(time.time())}
        with self._cond:
            self._users[user_id] = user
            self._emit("user", {"user": self._user_object(user)})
        self._flush()
        return self._user_object(user)

    def add_channel(self, channel_id: str, name: str, *, members: list[str] | None = None,
                    is_private: bool = False, is_archived: bool = False, topic: str = "",
                    purpose: str = "") -> dict:
        """Add (or replace) a channel; an empty member list means "anyone may be addressed in it"."""
        channel = {"id": channel_id, "kind": "channel", "name": name, "members": list(members or []),
                   "is_private": is_private, "is_archived": is_archived, "topic": topic, "purpose": purpose,
                   "created": self._created}
        with self._cond:
            self._channels[channel_id] = channel
            self._emit("channel", {"channel": self._channel_object(channel)})
        self._flush()
        return self._channel_object(channel)

    def dm_channel(self, user_id: str) -> str:
        """The id of the bot's DM with `user_id` (what conversations.open(users=user_id) returns)."""
        with self._cond:
            return self._dm(user_id)["id"]

    def new_response_url(self, *, channel: str | None = None, user: str | None = None,
                         message_ts: str | None = None) -> str:
        """A response_url for a command or action by `user` in `channel` (on message `message_ts`)."""
        with self._cond:
            token = f"{next(self._ids)}{int(time.time())}"
            self._response_urls[token] = {"channel": channel, "user": user, "message_ts": message_ts, "uses": 0}
        return f"{self.url}/response/{token}"

    def new_trigger_id(self, user_id: str) -> str:
        """A trigger id for an interaction by `user_id` (views.open with it lands on that user's screen)."""
        return new_trigger_id(user_id)
