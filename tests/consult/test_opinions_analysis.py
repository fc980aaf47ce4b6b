"""Opinion groups (``opinions_analysis``): agreement with red-dwarf (a Python reproduction of Pol.is) on
the same well-separated vote matrices, representative and consensus statements, edge cases."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from ouvert.consult.opinions_analysis import opinion_groups_from_matrix, synthetic_votes


def _reddwarf_labels(matrix: np.ndarray, kept: list[int]) -> np.ndarray:
    from reddwarf.implementations.polis import run_pipeline

    votes = [{"participant_id": i, "statement_id": j, "vote": int(matrix[i, j]), "modified": 0}
             for i in range(matrix.shape[0]) for j in range(matrix.shape[1]) if not np.isnan(matrix[i, j])]
    result = run_pipeline(votes=votes, random_state=0, min_user_vote_threshold=7)
    return result.participants_df.loc[kept, "cluster_id"].astype(int).to_numpy()


@pytest.mark.parametrize(("groups", "seed"), [(3, 1), (3, 7), (4, 2), (4, 11)])
def test_same_groups_as_reddwarf(groups, seed):
    matrix, truth, _agreed = synthetic_votes(groups=groups, participants=300, statements=40, seed=seed)
    assert np.isnan(matrix).any() and (matrix == 0).any()  # missing and pass votes
    result = opinion_groups_from_matrix(matrix, seed=0)
    assert result["status"] == "ok"
    ours = np.array(result["labels"])
    theirs = _reddwarf_labels(matrix, result["kept_participants"])
    assert result["k"] == len(set(theirs.tolist())) == groups
    assert adjusted_rand_score(ours, theirs) >= 0.9
    assert adjusted_rand_score(truth[result["kept_participants"]], ours) >= 0.9


@pytest.mark.parametrize(("groups", "seed"), [(3, 1), (4, 2)])
def test_representative_statements_are_the_groups_own(groups, seed):
    matrix, truth, agreed = synthetic_votes(groups=groups, participants=300, statements=40, seed=seed)
    result = opinion_groups_from_matrix(matrix)
    labels = np.array(result["labels"])
    kept_truth = truth[result["kept_participants"]]
    for number, group in enumerate(result["groups"]):
        latent = np.bincount(kept_truth[labels == number]).argmax()
        assert 1 <= len(group["representative"]) <= 5
        for row in group["representative"]:
            if row["direction"] == "agree":
                assert row["statement"] in agreed[latent]
            else:
                assert row["statement"] not in agreed[latent]
            assert row["percent"] > row["others_percent"]
    # Every fifth statement is agreed by everybody: they are the consensus.
    consensus = {row["statement"] for row in result["consensus"] if row["direction"] == "agree"}
    assert consensus and all(s % 5 == 4 for s in consensus)
    assert all(min(g["percent"] for g in [{"percent": p} for p in row["groups_percent"]]) > 50
               for row in result["consensus"])


def test_groups_numbered_by_size_and_deterministic():
    matrix, _truth, _agreed = synthetic_votes(groups=3, participants=200, statements=30, seed=5)
    first = opinion_groups_from_matrix(matrix, seed=3)
    second = opinion_groups_from_matrix(matrix, seed=3)
    assert first["labels"] == second["labels"] and first["projection"] == second["projection"]
    sizes = [g["size"] for g in first["groups"]]
    assert sizes == sorted(sizes, reverse=True) and sum(sizes) == len(first["kept_participants"])
    assert len(first["projection"]) == len(first["labels"]) == len(first["kept_participants"])
    assert -1 <= first["silhouette"] <= 1


def test_participants_with_too_few_votes_are_left_out():
    matrix, _truth, _agreed = synthetic_votes(groups=2, participants=100, statements=20, seed=4, missing_rate=0)
    matrix[:10, 3:] = np.nan  # ten people voted on three statements only
    result = opinion_groups_from_matrix(matrix, min_votes=7)
    assert result["kept_participants"] == list(range(10, 100))


def test_not_enough_participants():
    matrix = np.array([[1, -1, 0, 1, 1, -1, 1], [1, 1, 1, 1, -1, -1, 0], [np.nan] * 7], dtype=float)
    result = opinion_groups_from_matrix(matrix)
    assert result["status"] == "not_enough_votes" and result["reason"] == "participants"
    assert result["k"] == 0 and result["groups"] == [] and result["labels"] == []


def test_empty_matrix_and_one_statement():
    assert opinion_groups_from_matrix(np.empty((0, 0)))["status"] == "not_enough_votes"
    one = opinion_groups_from_matrix(np.array([[1.0], [-1.0], [1.0], [0.0], [1.0]]), min_votes=1)
    assert one["status"] == "not_enough_votes" and one["reason"] == "statements"


def test_all_pass_is_no_divergence():
    result = opinion_groups_from_matrix(np.zeros((30, 10)))
    assert result["status"] == "no_divergence" and result["k"] == 1
    assert result["groups"][0]["size"] == 30 and result["consensus"] == []


def test_everyone_agrees_is_consensus_without_groups():
    result = opinion_groups_from_matrix(np.ones((12, 8)))
    assert result["status"] == "no_divergence"
    assert {row["statement"] for row in result["consensus"]} == set(range(5))  # top five
    assert all(row["direction"] == "agree" and row["percent"] == 100 for row in result["consensus"])


def test_bad_values_refused():
    with pytest.raises(ValueError):
        opinion_groups_from_matrix(np.array([[2.0, 1.0]]))
    with pytest.raises(ValueError):
        opinion_groups_from_matrix(np.array([1.0, 0.0]))
