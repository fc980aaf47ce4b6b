"""The result computation on small examples checked by hand (weighted scores, abstentions, Borda, ties)."""

import pytest

from ouvert.priorities.results import compute_ranking, compute_rating

A, B, C, D = 1, 2, 3, 4
X, Y = 10, 20  # criteria: X weighs 2, Y weighs 1


def by_id(outcome):
    return {row["candidate"]: row for row in outcome.candidates}


def test_weighted_scores_with_abstentions_and_a_full_tie():
    # Ballot 1 rates everything but C's Y; ballot 2 leaves C unrated.
    ballots = [{A: {X: 5, Y: 3}, B: {X: 4, Y: 4}, C: {X: 1}},
               {A: {X: 3, Y: 5}, B: {X: 4, Y: 4}}]
    outcome = compute_rating(candidate_ids=[A, B, C], criteria={X: 2.0, Y: 1.0}, scale_max=5, ballots=ballots)
    rows = by_id(outcome)
    # A: means X = 4, Y = 4 → (2×0.8 + 1×0.8) / 3 = 0.8 → 80.
    assert rows[A]["score"] == pytest.approx(80)
    assert rows[B]["score"] == pytest.approx(80)
    # C: only X rated once (1/5 = 0.2); Y's abstention counts neither as 0 nor in the weights → 20.
    assert rows[C]["score"] == pytest.approx(20)
    assert rows[C]["criteria"][Y] == {"ratings": 0, "mean": None, "normalised": None}
    assert rows[C]["criteria"][X]["ratings"] == 1
    # Borda, 3 candidates (2, 1, 0 points). Ballot 1: A 0.867 > B 0.8 > C 0.2 → A 2, B 1, C 0.
    # Ballot 2: B 0.8 > A 0.733, C unrated last → B 2, A 1, C 0.
    assert (rows[A]["borda"], rows[B]["borda"], rows[C]["borda"]) == (3, 3, 0)
    # A and B tie on both: same rank, marked ex aequo, list order kept; C third.
    assert [r["candidate"] for r in outcome.candidates] == [A, B, C]
    assert [(r["rank"], r["tied"]) for r in outcome.candidates] == [(1, True), (1, True), (3, False)]
    assert outcome.ballots == 2


def test_ties_on_one_ballot_share_the_average_of_the_positions():
    # One ballot: A and B equal (both 5), C and D unrated → A, B share positions 1–2 (3 and 2 points: 2.5 each);
    # C and D share positions 3–4 (1 and 0 points: 0.5 each).
    outcome = compute_rating(candidate_ids=[A, B, C, D], criteria={X: 1.0}, scale_max=5,
                             ballots=[{A: {X: 5}, B: {X: 5}}])
    rows = by_id(outcome)
    assert [rows[c]["borda"] for c in (A, B, C, D)] == [2.5, 2.5, 0.5, 0.5]
    assert rows[C]["score"] is None and rows[D]["score"] is None
    assert [r["candidate"] for r in outcome.candidates] == [A, B, C, D]
    assert outcome.candidates[2]["rank"] == 3 and outcome.candidates[2]["tied"]


def test_a_ballot_without_any_rating_counts_for_nothing():
    outcome = compute_rating(candidate_ids=[A, B], criteria={X: 1.0}, scale_max=5,
                             ballots=[{}, {A: {}}, {B: {X: 0}}])
    rows = by_id(outcome)
    assert outcome.ballots == 1
    assert rows[B]["score"] == 0 and rows[B]["borda"] == 1 and rows[A]["borda"] == 0
    # B (scored 0) is ahead of A (never rated).
    assert [r["candidate"] for r in outcome.candidates] == [B, A]


def test_weights_change_the_order():
    ballots = [{A: {X: 5, Y: 0}, B: {X: 0, Y: 5}}]
    heavy_x = compute_rating(candidate_ids=[A, B], criteria={X: 3.0, Y: 1.0}, scale_max=5, ballots=ballots)
    heavy_y = compute_rating(candidate_ids=[A, B], criteria={X: 1.0, Y: 3.0}, scale_max=5, ballots=ballots)
    assert by_id(heavy_x)[A]["score"] == pytest.approx(75) and by_id(heavy_x)[B]["score"] == pytest.approx(25)
    assert heavy_x.candidates[0]["candidate"] == A
    assert heavy_y.candidates[0]["candidate"] == B


def test_borda_on_rankings_with_a_tie_broken_by_mean_position():
    # 3 candidates, 3 ballots: A>B>C, B>A>C, C>A>B.
    ballots = [{A: 1, B: 2, C: 3}, {B: 1, A: 2, C: 3}, {C: 1, A: 2, B: 3}]
    outcome = compute_ranking(candidate_ids=[A, B, C], ballots=ballots)
    rows = by_id(outcome)
    # A: 2+1+1 = 4; B: 1+2+0 = 3; C: 0+0+2 = 2.
    assert (rows[A]["borda"], rows[B]["borda"], rows[C]["borda"]) == (4, 3, 2)
    assert rows[A]["mean_position"] == pytest.approx(5 / 3)
    assert [r["candidate"] for r in outcome.candidates] == [A, B, C]
    # Two ballots A>B, B>A: tie on Borda and on mean position → same rank, ex aequo.
    tied = compute_ranking(candidate_ids=[A, B], ballots=[{A: 1, B: 2}, {B: 1, A: 2}])
    assert [(r["rank"], r["tied"]) for r in tied.candidates] == [(1, True), (1, True)]
    assert [r["borda_rank"] for r in tied.candidates] == [1, 1]


def test_no_ballot_gives_empty_results():
    outcome = compute_ranking(candidate_ids=[A, B], ballots=[])
    assert outcome.ballots == 0
    assert [r["borda"] for r in outcome.candidates] == [0, 0]
    rating = compute_rating(candidate_ids=[A, B], criteria={X: 1.0}, scale_max=5, ballots=[])
    assert [r["score"] for r in rating.candidates] == [None, None]
