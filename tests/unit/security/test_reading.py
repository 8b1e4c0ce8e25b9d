"""The one reader of Slack payloads: bounded ids, tolerant reads, clean text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.handlers.reading import (
    STALE_BUTTON,
    STALE_FORM,
    channel_of,
    clean_text,
    form_values,
    id_in,
    id_in_metadata,
    metadata_of,
    optional_id_in,
    team_of,
    user_of,
)
from bot.services import UserFacingError
from bot.services.core.parsing import MAX_ID, parse_id


@pytest.mark.parametrize("value", ["99999999999999999999999", '{"objective":"abc"}', "1e400", "garbage", "-1", "0",
                                   "4.0", " 4", "٤", "²", True, 1.0, None, [], {}, str(MAX_ID + 1), 2**63])
def test_values_that_are_no_row_id_are_none(value: object) -> None:
    """Huge, negative, zero, float, non-ASCII digits, booleans and containers are no id."""
    assert parse_id(value) is None


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("42", 42), (7, 7), (str(MAX_ID), MAX_ID)])
def test_row_ids_are_read(value: object, expected: int) -> None:
    """Digits within 1…MAX_ID (PostgreSQL's INTEGER) are ids."""
    assert parse_id(value) == expected


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=30) | st.integers() | st.floats())
def test_parse_id_never_raises_and_stays_in_bounds(value: object) -> None:
    """Whatever a payload holds, parse_id answers None or an id the database can hold."""
    number = parse_id(value)
    assert number is None or 1 <= number <= MAX_ID


def test_a_bad_button_value_is_the_out_of_date_message() -> None:
    """id_in raises what the person reads; optional_id_in lets "" mean "none in particular"."""
    with pytest.raises(UserFacingError, match="out of date") as error:
        id_in("1e400")
    assert error.value.message == STALE_BUTTON
    assert optional_id_in("") is None and optional_id_in("12") == 12
    with pytest.raises(UserFacingError):
        optional_id_in("garbage")


@pytest.mark.parametrize("metadata", ["", "garbage", "[1]", '"s"', '{"id": "abc"}', '{"id": 1e400}', "[" * 5000])
def test_bad_metadata_is_the_form_out_of_date_message(metadata: str) -> None:
    """private_metadata that is not JSON, not an object, or without a proper id: the form's message."""
    with pytest.raises(UserFacingError) as error:
        id_in_metadata({"private_metadata": metadata}, "id")
    assert error.value.message == STALE_FORM
    assert isinstance(metadata_of({"private_metadata": metadata}), dict)


def test_who_and_where_tolerate_odd_shapes() -> None:
    """team, user and channel come from any of Slack's spellings, and odd types read as ''."""
    assert team_of({"team": {"id": "T1"}}) == team_of({"team_id": "T1"}) == team_of({"view": {"team_id": "T1"}}) \
        == team_of({"user": {"team_id": "T1"}}) == "T1"
    assert user_of({"user": {"id": "U1"}}) == user_of({"user_id": "U1"}) == user_of({"user": "U1"}) == "U1"
    assert channel_of({"channel": {"id": "C1"}}) == channel_of({"container": {"channel_id": "C1"}}) == "C1"
    assert team_of({"team": [1], "team_id": 5}) == user_of({"user": 5}) == channel_of({"channel": []}) == ""


def test_form_values_are_plain_and_clean() -> None:
    """Inputs become plain values; NUL characters and lone surrogates are dropped or replaced."""
    view = {"state": {"values": {
        "title": {"a": {"type": "plain_text_input", "value": "a\x00b\ud800"}},
        "status": {"s": {"type": "static_select", "selected_option": {"value": "on_track"}}},
        "tags": {"t": {"type": "checkboxes", "selected_options": [{"value": "x"}, {"value": 5}, "junk"]}},
        "empty": {"e": {"type": "static_select", "selected_option": None}},
        "odd": {"o": {"type": "plain_text_input", "value": ["not", "text"]}},
    }}}
    assert form_values(view) == {"title": "ab?", "status": "on_track", "tags": ["x"], "empty": None, "odd": None}
    assert clean_text("fine") == "fine"
