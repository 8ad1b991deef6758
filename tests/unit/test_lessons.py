"""Lesson exercises: the engine's answers equal independent hand calculations."""

import pytest

from margin_widgets.lessons import LESSONS, ChoiceSpec, ExerciseSpec, lesson

# worked by hand from the formulas in MARGIN_MODEL.md (see each solution text)
HAND = {
    (1, 1): 0.5 * 60_000 / 10,
    (1, 2): 0.5 * (57_000 - 60_000),
    (1, 3): 10_000 + 0.5 * (57_000 - 60_000),
    (2, 1): 120_000 * 0.005 - 50,
    (2, 2): (58_000 * 0.005 - 50) / (10_000 - 2_000) * 100,
    (3, 1): (60_000 - 6_000 - 50) / (1 - 0.005),
    (3, 2): (60_000 - 7_000 - 50) / (1 - 0.005),
    (3, 3): 0.0,
    (4, 1): (10_000 - 15_000 * 0.004 - 30_000) / (0.5 * 0.004 - 0.5),
    (4, 2): (10_000 - 14_000 * 0.004 + 1_000 - 30_000) / (0.5 * 0.004 - 0.5),
    (6, 1): 0.5 * 60_000 * 0.001,
    (6, 2): (1_200 - 30_000 * 0.004) / 30 * 8,
    (8, 1): 19_700.0,                      # Bybit's published example
    (8, 2): 19_600 / (1 - 0.0055),         # MARGIN_MODEL section 4: 19,708.40
}


@pytest.mark.parametrize("key", sorted(HAND))
def test_exercise_answers_match_hand_calculations(key):
    n, k = key
    spec = LESSONS[n].exercises[k - 1]
    assert isinstance(spec, ExerciseSpec)
    assert spec.answer() == pytest.approx(HAND[key], abs=1e-6)


def test_every_lesson_has_two_or_more_exercises_and_a_question():
    assert sorted(LESSONS) == list(range(1, 9))
    for L in LESSONS.values():
        assert len(L.exercises) >= 2 and L.question.endswith("?")
        for spec in L.exercises:
            if isinstance(spec, ExerciseSpec):
                assert spec.hints and spec.solution and spec.unit
            else:
                assert isinstance(spec, ChoiceSpec) and 0 <= spec.correct < len(spec.options)


def test_step_answers_come_from_simulation():
    from margin_widgets.core import PRESETS

    iso = PRESETS["winner_and_loser"].compare()["isolated"]
    assert LESSONS[5].exercises[0].answer() == iso.liquidated_at[0] > 0


def test_unknown_lesson():
    with pytest.raises(KeyError):
        lesson(9)
