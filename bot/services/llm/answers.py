"""The JSON each task must answer with, checked strictly: exactly these keys, these types, these lengths.

    next_steps  {"steps": [str, str, str]}
    summary     {"summary": str, "action_items": [str, …]}        (0 to 5 action items)
    prepare     {"points": [str, …]}                              (1 to 5 points)

Anything else (prose, extra keys, wrong counts, empty strings, over-long text) is refused. One surrounding
Markdown code fence (```json … ```) is tolerated because many models add one; the JSON inside is still strict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.services.llm.client import MESSAGES, LlmError

MAX_ITEM = 300  # characters of one step, action item or point
MAX_SUMMARY = 300  # the 1-on-1 summary is one line (bot.views.one_on_ones.MAX_SUMMARY)


@dataclass(frozen=True)
class Schema:
    """One task's answer: each key is a string or a list of strings with a count range."""

    name: str
    fields: dict[str, tuple[str, int, int]]  # key -> ("str", max_chars, 0) | ("list", min_items, max_items)

    def describe(self) -> str:
        """The schema in words, for the system prompt."""
        parts = []
        for key, (kind, a, b) in self.fields.items():
            if kind == "str":
                parts.append(f'"{key}": a string of at most {a} characters')
            elif a == b:
                parts.append(f'"{key}": a list of exactly {a} strings, each at most {MAX_ITEM} characters')
            else:
                parts.append(f'"{key}": a list of {a} to {b} strings, each at most {MAX_ITEM} characters')
        return "a JSON object with exactly these keys: " + "; ".join(parts) + ". Nothing else: no prose, no Markdown."


SCHEMAS = {
    "next_steps": Schema("next_steps", {"steps": ("list", 3, 3)}),
    "summary": Schema("summary", {"summary": ("str", MAX_SUMMARY, 0), "action_items": ("list", 0, 5)}),
    "prepare": Schema("prepare", {"points": ("list", 1, 5)}),
}


def _refuse() -> LlmError:
    return LlmError("bad_answer", MESSAGES["bad_answer"])


def _unfence(text: str) -> str:
    text = text.strip()
    if text.startswith("```") and text.endswith("```") and len(text) > 6:
        inner = text[3:-3]
        first, _, rest = inner.partition("\n")
        return (rest if first.strip().lower() in ("", "json") else inner).strip()
    return text


def _clean(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise _refuse()
    value = " ".join(value.split())
    if not value or len(value) > limit:
        raise _refuse()
    return value


def parse_answer(task: str, content: str) -> dict[str, Any]:
    """The answer of `task` as a dict of cleaned strings and tuples of strings; LlmError(bad_answer) otherwise."""
    schema = SCHEMAS[task]
    try:
        data = json.loads(_unfence(content))
    except ValueError:
        raise _refuse() from None
    if not isinstance(data, dict) or set(data) != set(schema.fields):
        raise _refuse()
    parsed: dict[str, Any] = {}
    for key, (kind, a, b) in schema.fields.items():
        value = data[key]
        if kind == "str":
            parsed[key] = _clean(value, a)
            continue
        if not isinstance(value, list) or not a <= len(value) <= b:
            raise _refuse()
        parsed[key] = tuple(_clean(item, MAX_ITEM) for item in value)
    return parsed
