"""The final assessment: per-learner numbers, engine grading, export and the answer key."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from margin_widgets.assessment import (
    Assessment,
    answer_key,
    grade,
    learner_seed,
    main,
    questions_for,
    read_class_list,
)
from margin_widgets.core.errors import MarginInputError

IDS = ["alice", "bob", "s-0042", "Zoë Ü", "x" * 64]


def right_answers(lid: str) -> dict[str, object]:
    return {q.qid: (q.correct if q.kind == "choice" else f"{q.answer:,.2f}")
            for q in questions_for(lid)}


def wrong_answers(lid: str) -> dict[str, object]:
    return {q.qid: ((q.correct + 1) % len(q.options) if q.kind == "choice"
                    else f"{q.answer + 10 * q.tolerance + 100:.2f}")
            for q in questions_for(lid)}


def numbers(prompt: str) -> list[float]:
    """The numbers of a prompt, in order (thousands separators and percents read)."""
    return [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*\.?\d*", prompt)]


@pytest.mark.parametrize("lid", IDS)
def test_sixteen_questions_half_conceptual_across_the_lessons(lid: str) -> None:
    qs = questions_for(lid)
    assert len(qs) == 16
    assert {q.lesson for q in qs} >= {10, 11}
    assert sum(q.kind == "choice" for q in qs) * 2 >= len(qs)
    assert len({q.lesson for q in qs}) >= 8
    assert len({q.qid for q in qs}) == len(qs)


def test_numbers_differ_between_learners_and_repeat_for_one() -> None:
    prompts = {lid: [q.prompt for q in questions_for(lid)] for lid in IDS}
    assert prompts["alice"] == [q.prompt for q in questions_for("  alice ")]
    assert len({tuple(p) for p in prompts.values()}) == len(IDS)
    assert learner_seed("alice") == learner_seed("alice") != learner_seed("bob")


@pytest.mark.parametrize("lid", [f"learner-{i}" for i in range(25)])
def test_engine_answers_match_closed_forms_from_the_prompt(lid: str) -> None:
    qs = {q.qid: q for q in questions_for(lid)}
    q, ep, lev = numbers(qs["q01"].prompt)[:3]
    assert qs["q01"].answer == pytest.approx(q * ep / lev)
    side = -1 if "short" in qs["q02"].prompt else 1
    q, ep, mk = numbers(qs["q02"].prompt)[:3]
    assert qs["q02"].answer == pytest.approx(side * q * (mk - ep))
    ep, lev, mmr = numbers(qs["q04"].prompt)[1:4]
    side = -1 if "short" in qs["q04"].prompt else 1
    margin = ep / lev
    # margin + side (P − EP) = P mmr  ⇒  P = (side·EP − margin) / (side − mmr)
    assert qs["q04"].answer == pytest.approx((side * ep - margin) / (side - mmr / 100))
    ep, lev = numbers(qs["q07"].prompt)[2:4]
    # Bybit classic: MM fixed at entry: margin + (P − EP) = 0.5 % EP
    assert qs["q07"].answer == pytest.approx(ep - ep / lev + 0.005 * ep)
    q, ep, lev, wallet = numbers(qs["q15"].prompt)[:4]
    # Bybit's auto-margin replenishment: the initial margin, or all that is available
    im = q * ep / lev
    assert qs["q15"].answer == pytest.approx(min(im, wallet - im - 0.00055 * q * ep))


@pytest.mark.parametrize("lid", IDS)
def test_all_right_is_100_and_all_wrong_is_0(lid: str) -> None:
    assert grade(lid, right_answers(lid))["percent"] == 100.0
    assert grade(lid, wrong_answers(lid))["percent"] == 0.0
    assert grade(lid, {})["percent"] == 0.0


def test_the_widget_grades_through_the_exercise_api_and_exports() -> None:
    a = Assessment()
    assert not a.start("   ") and "learner id" in a.message.value and not a.exercises
    assert a.start("carol")
    for q, ex in zip(a.questions, a.exercises, strict=True):
        assert ex.check(q.correct if q.kind == "choice" else f"{q.answer:,.2f}")
    assert "16 of 16 right (100 %)" in a.summary_html.value
    js, cs = a.export()
    data = json.loads(js)
    assert data["learner_id"] == "carol" and data["percent"] == 100.0
    rows = list(csv.DictReader(io.StringIO(cs)))
    assert len(rows) == 16 and all(r["right"] == "True" for r in rows)
    assert "assessment_carol.json" in a.export_html.value

    b = Assessment("dave")
    for q, ex in zip(b.questions, b.exercises, strict=True):
        wrong = wrong_answers("dave")[q.qid]
        assert not ex.check(wrong)
    assert "0 of 16 right (0 %)" in b.summary_html.value
    assert b.results()["percent"] == 0.0


def test_learner_id_is_escaped_in_the_page() -> None:
    a = Assessment("<b>x</b>")
    assert "<b>x</b>" not in a.message.value and "&lt;b&gt;" in a.message.value


def test_answer_key_command(tmp_path, capsys) -> None:
    roster = tmp_path / "class.csv"
    roster.write_text("learner_id,name\nalice,Alice\nbob,Bob\n\n# comment\ns-0042,S\n")
    out = tmp_path / "key.csv"
    assert main(["key", "--class-list", str(roster), "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 3 * 16
    for lid in ("alice", "bob", "s-0042"):
        given = {r["question"]: r["answer"] for r in rows if r["learner_id"] == lid}
        assert grade(lid, given)["percent"] == 100.0
    assert main(["key", "--class-list", str(roster), "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3 * 16
    bad = tmp_path / "bad.txt"
    bad.write_text("alice\nalice\n")
    assert main(["key", "--class-list", str(bad)]) == 2
    assert "twice" in capsys.readouterr().err
    assert main(["key", "--class-list", str(tmp_path / "missing.txt")]) == 2


def test_class_list_errors() -> None:
    with pytest.raises(MarginInputError):
        read_class_list("learner_id\n")
    with pytest.raises(MarginInputError):
        read_class_list("y" * 65)
    assert answer_key(["a"])[0]["learner_id"] == "a"
