"""key_results.obstacle_at (the time of the latest check-in with an obstacle, which orders the leader view's
obstacles) is kept by triggers on check_ins, whoever writes: the check-in modal, bulk inserts, edits, deletes,
cascades. After each write it equals what the check-ins say."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, insert, select, update

from storage.models import CheckIn, KeyResult, Objective
from tests.service.okrs.conftest import MID_NOVEMBER, Env


def stored(env: Env) -> dict[int, object]:
    """key result id → obstacle_at as stored."""
    with env.sessions() as session:
        return dict(session.execute(select(KeyResult.id, KeyResult.obstacle_at)).all())


def recomputed(env: Env) -> dict[int, object]:
    """key result id → the latest check-in with an obstacle, read from the check-ins."""
    with env.sessions() as session:
        latest = dict(session.execute(select(CheckIn.key_result_id, func.max(CheckIn.created_at))
                                      .where(CheckIn.obstacles != "").group_by(CheckIn.key_result_id)).all())
        return {kr_id: latest.get(kr_id) for kr_id in session.scalars(select(KeyResult.id))}


def test_a_check_in_with_an_obstacle_sets_it_and_one_without_leaves_it(env: Env) -> None:
    objective = env.create(krs=(("Weekly active teams", 0, 40), ("Churn", 10, 2)))
    first, second = (kr.id for kr in objective.key_results)
    assert stored(env) == {first: None, second: None}
    env.check_in(objective, "V1", kr0={"value": "3", "obstacles": "Legal review of the contract"})
    (legal,) = env.check_ins()
    assert stored(env) == {first: legal.created_at, second: None}
    env.clock.advance(days=2)
    env.check_in(objective, "V2", kr0={"value": "5"}, kr1={"value": "9"})  # no obstacle: the time stays
    assert len(env.check_ins()) == 3
    assert stored(env) == {first: legal.created_at, second: None} == recomputed(env)
    env.check_in(objective, "V3", kr0={"value": "6", "obstacles": "Still legal"})
    latest = max(c.created_at for c in env.check_ins())
    assert latest > legal.created_at + timedelta(days=1)
    assert stored(env) == {first: latest, second: None} == recomputed(env)


def test_bulk_inserts_out_of_order_edits_and_deletes_keep_it_equal_to_the_check_ins(env: Env) -> None:
    objective = env.create(krs=(("Weekly active teams", 0, 40), ("Churn", 10, 2)))
    first, second = (kr.id for kr in objective.key_results)
    day = timedelta(days=1)
    rows = [{"team_id": env.team, "key_result_id": kr, "author_id": "URAVI", "value": 1, "status": None,
             "obstacles": text, "next_steps": "", "created_at": MID_NOVEMBER - day * age}
            for kr, text, age in ((first, "late", 1), (first, "early", 5), (first, "", 0), (second, "", 3))]
    with env.sessions.begin() as session:
        session.execute(insert(CheckIn), rows)  # Core executemany: no ORM event sees it
    assert stored(env) == {first: MID_NOVEMBER - day, second: None} == recomputed(env)

    with env.sessions.begin() as session:  # the latest obstacle's text is cleared: the earlier one is the latest
        session.execute(update(CheckIn).where(CheckIn.obstacles == "late").values(obstacles=""))
    assert stored(env) == {first: MID_NOVEMBER - 5 * day, second: None} == recomputed(env)

    with env.sessions.begin() as session:  # a check-in moves to another key result, and gets an obstacle
        session.execute(update(CheckIn).where(CheckIn.key_result_id == second)
                        .values(key_result_id=first, obstacles="moved"))
    assert stored(env) == {first: MID_NOVEMBER - 3 * day, second: None} == recomputed(env)

    with env.sessions.begin() as session:
        session.execute(delete(CheckIn).where(CheckIn.obstacles == "moved"))
    assert stored(env) == {first: MID_NOVEMBER - 5 * day, second: None} == recomputed(env)

    with env.sessions.begin() as session:  # an author's id anonymised (erasure): not an obstacle change
        session.execute(update(CheckIn).values(author_id="UANON"))
    assert stored(env) == recomputed(env)

    with env.sessions.begin() as session:  # the objective goes, its key results and check-ins by cascade
        session.execute(delete(Objective).where(Objective.id == objective.id))
    assert stored(env) == {} == recomputed(env)
    assert env.check_ins() == []
