"""`okrbot sandbox --llm-stub`: the sandbox with the loopback model stand-in, so a newcomer sees the features."""

from __future__ import annotations

import signal
from pathlib import Path

from bot.blocks.home import home_view
from bot.sandbox import seed
from bot.sandbox.fake_llm import LABEL, stub_settings
from bot.views.llm import LlmAction
from tests.e2e.sandbox.test_cli import clean_env, free_port, launch, process, wait_for_page  # noqa: F401
from tests.support.stack import running_sandbox


def test_the_seeded_sandbox_offers_suggestions_answered_by_the_labelled_stand_in(tmp_path: Path) -> None:
    """With the stub settings, Maria's Home has the Privacy part and Suggest buttons; answers are labelled."""
    fake, env = stub_settings()
    try:
        with running_sandbox(tmp_path / "sandbox.db", env=env) as sandbox:
            services = sandbox.runtime.services
            home = home_view(services.home.build(team_id=seed.TEAM_ID, user_id="UMARIA"))
            suggest = [e for b in home["blocks"] if isinstance(b.get("accessory"), dict)
                       for e in [b["accessory"]] if e.get("action_id") == LlmAction.SUGGEST]
            assert suggest and "Privacy: language model" in str(home) and "okrbot-stand-in" in str(home)
            steps = services.llm.suggest_steps(team_id=seed.TEAM_ID, actor="UMARIA",
                                               key_result_id=int(suggest[0]["value"])).steps
            assert len(steps) == 3 and all(s.startswith(LABEL) for s in steps)
    finally:
        fake.stop()


def test_llm_stub_flag_starts_and_stops_the_stand_in(tmp_path: Path, process: list) -> None:  # noqa: F811
    """`okrbot sandbox --llm-stub` says where the stand-in runs and stops cleanly on Ctrl-C."""
    port = free_port()
    proc = launch(["sandbox", "--llm-stub", "--port", str(port)], tmp_path, clean_env(), process)
    wait_for_page(port, proc)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "language-model stand-in at http://127.0.0.1:" in output and "Traceback" not in output
