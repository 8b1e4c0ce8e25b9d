"""What a person sees right after saving a form: the modal turns into a short confirmation.

Answered as the submission's `response_action: update`; `clear_on_close` makes its Done button close every
modal of the stack (a New objective opened from the check-in picker does not fall back to a stale picker).
"""

from __future__ import annotations

from bot.blocks.kit import Block, context, escape, modal, section, truncate

SAVED_CALLBACK = "saved"


def saved_modal(title: str, text: str, *, where: str = "") -> Block:
    """A confirmation modal: a ✅ line saying what was saved, and where to find it again."""
    blocks = [section(f":white_check_mark: {text}")]
    if where:
        blocks.append(context(where))
    view = modal(title, blocks, callback_id=SAVED_CALLBACK, submit=None, close="Done")
    view["clear_on_close"] = True
    return view


def objective_created(title: str, key_results: int) -> Block:
    """After New objective."""
    krs = f"{key_results} key result{'' if key_results == 1 else 's'}"
    return saved_modal("Objective created", f"*{escape(truncate(title, 200))}* is saved with {krs}.",
                       where="It's in your Home tab, and its thread in the OKR channel is where people discuss it.")


def checked_in(title: str, changes: int) -> Block:
    """After a check-in."""
    what = f"{changes} key result{'' if changes == 1 else 's'} updated" if changes else "nothing changed"
    return saved_modal("Check-in saved", f"Your check-in on *{escape(truncate(title, 200))}* is saved ({what}).",
                       where="Your Home tab and the objective's thread show it.")


def note_saved(private: bool) -> Block:
    """After Add note."""
    if private:
        return saved_modal("Note saved", "Your private note is saved. :lock: Only you can read it.",
                           where="It's with this 1-on-1 in your Home tab.")
    return saved_modal("Note saved", "Your note is saved and shared with the other person of this 1-on-1.",
                       where="It's with this 1-on-1 in your Home tab and in the agenda.")


def summary_saved() -> Block:
    """After Write a summary."""
    return saved_modal("Summary saved", "Your summary of this 1-on-1 is saved.",
                       where="Both of you see it with this 1-on-1 in your Home tab.")
