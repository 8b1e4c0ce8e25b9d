"""The OpenAI-compatible client and `okrbot llm check` against the loopback stand-in (network boundary only)."""

from __future__ import annotations

import logging

import pytest

from bot.sandbox.fake_llm import FakeLlm
from bot.services.llm.client import LlmClient, LlmError, endpoint_of, host_of
from bot.settings import ConfigError, load_settings
from tests.support.cli import invoke

MESSAGES = [{"role": "system", "content": 'Answer with "steps"'}, {"role": "user", "content": "hi"}]


def client(fake: FakeLlm, timeout: float = 5.0, key: str | None = "sk-very-secret-key") -> LlmClient:
    """A client pointed at the stand-in."""
    return LlmClient(url=fake.url, model="stub", api_key=key, timeout=timeout)


def test_endpoint_accepts_a_base_or_the_full_path() -> None:
    """A base URL gets /chat/completions; a full chat-completions URL is used as is."""
    assert endpoint_of("http://h:11434/v1/") == "http://h:11434/v1/chat/completions"
    assert endpoint_of("https://h/v1/chat/completions") == "https://h/v1/chat/completions"
    assert host_of("https://user:pw@llm.internal:8000/v1") == "llm.internal:8000"


def test_answer_content_comes_back_and_the_key_is_sent_as_bearer(fake_llm: FakeLlm) -> None:
    """The first choice's content is returned; the API key travels in the Authorization header."""
    content = client(fake_llm).complete(MESSAGES)
    assert '"steps"' in content
    assert fake_llm.headers[-1]["authorization"] == "Bearer sk-very-secret-key"
    assert fake_llm.requests[-1]["model"] == "stub"
    assert fake_llm.requests[-1]["messages"] == MESSAGES


@pytest.mark.parametrize(("mode", "kind", "words"), [
    ("fail", "unavailable", "could not be reached (HTTP 500)"),
    ("rate_limited", "rate_limited", "rate limited"),
])
def test_failures_become_clear_messages(fake_llm: FakeLlm, mode: str, kind: str, words: str) -> None:
    """HTTP 500 and 429 raise LlmError with a sentence a person can read."""
    fake_llm.mode = mode
    with pytest.raises(LlmError) as caught:
        client(fake_llm).complete(MESSAGES)
    assert caught.value.kind == kind
    assert words in caught.value.message
    assert "Nothing was changed" in caught.value.message


def test_a_slow_endpoint_times_out_with_the_setting_in_the_message(fake_llm: FakeLlm) -> None:
    """An answer slower than the timeout raises LlmError(timeout) naming the timeout."""
    fake_llm.mode, fake_llm.delay = "slow", 2.0
    with pytest.raises(LlmError) as caught:
        client(fake_llm, timeout=0.3).complete(MESSAGES)
    assert caught.value.kind == "timeout"
    assert "within 0.3 s" in caught.value.message


def test_nothing_listening_is_unavailable() -> None:
    """A closed port is 'could not be reached', not a stack trace."""
    fake = FakeLlm().start()
    url = fake.url
    fake.stop()
    with pytest.raises(LlmError) as caught:
        LlmClient(url=url, model="m", api_key=None, timeout=2).complete(MESSAGES)
    assert caught.value.kind == "unavailable"


def test_the_api_key_never_reaches_a_log_line(fake_llm: FakeLlm, caplog: pytest.LogCaptureFixture) -> None:
    """Successes and failures log host and status only, never the key or the prompt."""
    caplog.set_level(logging.DEBUG)
    client(fake_llm).complete(MESSAGES)
    fake_llm.mode = "fail"
    with pytest.raises(LlmError):
        client(fake_llm).complete(MESSAGES)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "llm at 127.0.0.1" in logged
    assert "sk-very-secret-key" not in logged
    assert "hi" not in logged.split()


def test_settings_need_url_and_model_and_refuse_other_schemes() -> None:
    """Without OKRBOT_LLM_URL and OKRBOT_LLM_MODEL the features are off; a file: URL is refused."""
    assert not load_settings(_env_file=None).llm_enabled
    assert not load_settings(_env_file=None, OKRBOT_LLM_URL="http://h/v1").llm_enabled
    on = load_settings(_env_file=None, OKRBOT_LLM_URL="http://h/v1", OKRBOT_LLM_MODEL="m", OKRBOT_LLM_API_KEY="k")
    assert on.llm_enabled and on.llm_timeout == 20.0
    assert "k" not in repr(on.llm_api_key)
    with pytest.raises(ConfigError, match="OKRBOT_LLM_URL"):
        load_settings(_env_file=None, OKRBOT_LLM_URL="file:///etc/passwd", OKRBOT_LLM_MODEL="m")


def test_llm_check_says_it_answers(fake_llm: FakeLlm) -> None:
    """`okrbot llm check` prints one line and exits 0 when the endpoint answers."""
    result = invoke({"OKRBOT_LLM_URL": fake_llm.url, "OKRBOT_LLM_MODEL": "stub", "OKRBOT_LLM_API_KEY": "sk-x"},
                    "llm", "check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("llm at 127.0.0.1")
    assert "answers in" in result.output and "sk-x" not in result.output


def test_llm_check_fails_with_exit_1_when_it_does_not(fake_llm: FakeLlm) -> None:
    """A failing endpoint: one line saying why, exit 1."""
    fake_llm.mode = "rate_limited"
    result = invoke({"OKRBOT_LLM_URL": fake_llm.url, "OKRBOT_LLM_MODEL": "stub"}, "llm", "check")
    assert result.exit_code == 1
    assert "does not answer: rate_limited" in result.output


def test_llm_check_without_settings_says_the_features_are_off() -> None:
    """No OKRBOT_LLM_URL: exit 2 and a line naming the setting."""
    result = invoke({"OKRBOT_LLM_URL": "", "OKRBOT_LLM_MODEL": ""}, "llm", "check")
    assert result.exit_code == 2
    assert "OKRBOT_LLM_URL is not set" in result.output


def test_the_key_is_not_in_the_clients_repr() -> None:
    """Logging the client object by mistake still shows no key."""
    assert "sk-very-secret-key" not in repr(LlmClient(url="http://h/v1", model="m", api_key="sk-very-secret-key",
                                                      timeout=1))
