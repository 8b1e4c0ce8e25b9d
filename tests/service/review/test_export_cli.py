"""`okrbot export reviews --quarter 2026-Q4`: a CSV row per objective, formula cells neutralised, no words."""

from __future__ import annotations

import csv
import io
import json

from tests.service.review.conftest import Env
from tests.support.cli import cli_variables, invoke

TITLE = "=HYPERLINK(\"http://evil\")"


def test_the_reviews_export_is_csv_with_formulas_neutralised_and_json_exact(env: Env) -> None:
    env.objective("URAVI", title=TITLE)
    review = env.review.open(team_id=env.team, user_id="URAVI", quarter="2026-Q4")
    env.save(review.objectives[0].id, grade="0.4", outcome="not_met", helped="a private thought")
    env.review.submit(team_id=env.team, user_id="URAVI", review_id=review.id)
    variables = cli_variables(env.runtime, env.slack)
    out = invoke(variables, "export", "reviews", "--quarter", "2026-q4")
    assert out.exit_code == 0, out.output
    [row] = list(csv.DictReader(io.StringIO(out.stdout)))
    assert row["objective"] == "'" + TITLE and (row["grade"], row["outcome"]) == ("0.4", "not_met")
    assert "private thought" not in out.stdout
    exact = json.loads(invoke(variables, "export", "reviews", "--quarter", "2026-Q4", "--format", "json").stdout)
    assert exact[0]["objective"] == TITLE
    for bad in ([], ["--quarter", "Q4"]):
        refused = invoke(variables, "export", "reviews", *bad)
        assert refused.exit_code == 2 and "--quarter 2026-Q4" in refused.output
