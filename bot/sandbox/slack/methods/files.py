"""Slack's external file upload: files.getUploadURLExternal, a POST of the bytes, files.completeUploadExternal.

A mixin of FakeSlack (bot/sandbox/slack/fake.py), which owns the workspace state, the lock and the state
helpers; every handler runs under the lock and answers the method's fields or raises SlackError.
"""

from __future__ import annotations

from bot.sandbox.slack.methods.common import SlackError


class FileMethods:
    """The files methods (a FakeSlack mixin)."""

    def _files_get_upload_url_external(self, args: dict) -> dict:
        try:
            length = int(args["length"])
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments", messages=["[ERROR] `length` must be an integer"]) from None
        if length <= 0:
            raise SlackError("invalid_arguments", messages=["[ERROR] `length` must be positive"])
        file_id = f"F{next(self._ids):08d}"
        self._uploads[file_id] = {"id": file_id, "name": str(args["filename"]), "length": length, "content": None,
                                  "title": str(args.get("alt_txt") or args["filename"]), "shared_in": []}
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, args: dict) -> dict:
        files = args["files"]
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments", messages=["[ERROR] `files` must be a non-empty JSON array"])
        channel = self._channel(args["channel_id"]) if args.get("channel_id") else None
        done = []
        for item in files:
            upload = self._uploads.get(str((item or {}).get("id")))
            if upload is None:
                raise SlackError("file_not_found")
            if upload["content"] is None:
                raise SlackError("file_upload_incomplete")  # the bytes were never POSTed to the upload URL
            if item.get("title"):
                upload["title"] = str(item["title"])
            if channel is not None:
                upload["shared_in"].append(channel["id"])
                message = self._store_message(channel["id"], user=self.bot_user_id, text=args.get("initial_comment"),
                                              blocks=None, thread_ts=args.get("thread_ts"), bot=True)
                message["files"] = [{"id": upload["id"], "name": upload["name"], "title": upload["title"]}]
            done.append({"id": upload["id"], "title": upload["title"]})
        return {"files": done}

    def _receive_upload(self, file_id: str, body: bytes) -> tuple[int, dict, bytes]:
        """The POST of a file's bytes to the URL files.getUploadURLExternal gave (answers 200 "OK - length")."""
        with self._cond:
            upload = self._uploads.get(file_id)
            if upload is None:
                return 404, {"Content-Type": "text/plain"}, b"not found"
            upload["content"] = body
            self._record("upload", {"file_id": file_id, "bytes": len(body)}, {"ok": True}, 200, f"/upload/{file_id}")
        return 200, {"Content-Type": "text/plain"}, f"OK - {len(body)}".encode()
