"""Opinion groups from a participants × statements vote matrix, as Pol.is computes them.

Pure numpy / scikit-learn (no Django), so that the benchmark and the tests call it directly:

1. keep the participants who voted on at least ``min_votes`` statements (Pol.is uses 7);
2. impute each missing vote with the statement's mean vote among the kept participants;
3. project the participants on the first two principal components (PCA), each scaled by
   ``sqrt(statements / own votes)`` as Pol.is does, so that people who voted little are not bunched up
   in the centre;
4. group them with k-means, k chosen among 2–5 by the silhouette score (computed on a sample of at most
   ``silhouette_sample`` points for large conversations; fixed ``random_state``);
5. for each group, its representative statements (Pol.is "repness"): the probability that the group
   agrees (or disagrees), with a Laplace prior, against the same probability in the other groups; a
   statement is representative when both the group's own proportion test and the two-proportion
   z-test against the others are significant (90 %, one-sided); the five with the highest
   ``repness × repness test × probability × probability test`` are kept;
6. the consensus statements: agreed (or disagreed) by a majority of every group.

Vote values: 1 agree, -1 disagree, 0 pass, NaN not voted.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import pairwise_distances, silhouette_score
from threadpoolctl import threadpool_limits

#: One-sided z for 90 % confidence (``scipy.stats.norm.ppf(0.90)``).
Z_90 = 1.2815515655446004

#: Statuses of a result.
OK = "ok"
NOT_ENOUGH = "not_enough_votes"
NO_DIVERGENCE = "no_divergence"


def _empty(status: str, *, reason: str, n_participants: int, n_statements: int, kept: np.ndarray,
           min_votes: int) -> dict:
    return {"status": status, "reason": reason, "k": 0, "labels": [], "projection": [], "silhouette": None,
            "groups": [], "consensus": [], "kept_participants": [int(i) for i in np.flatnonzero(kept)],
            "participants": n_participants, "statements": n_statements, "min_votes": min_votes}


def _probability(success, total):
    """Laplace-smoothed proportion (one pseudo-vote each way)."""
    return (success + 1.0) / (total + 2.0)


def _one_prop_test(success, total):
    """Pol.is's test that a proportion is above one half (with the same smoothing)."""
    success, total = np.asarray(success) + 1.0, np.asarray(total) + 1.0
    return 2.0 * np.sqrt(total) * (success / total - 0.5)


def _two_prop_test(success_in, success_out, total_in, total_out):
    """Pol.is's two-proportion z-test (group against the others), with the same smoothing."""
    s1, s2 = np.asarray(success_in) + 1.0, np.asarray(success_out) + 1.0
    n1, n2 = np.asarray(total_in) + 1.0, np.asarray(total_out) + 1.0
    p1, p2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    denominator = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / denominator
    return np.where((pooled >= 1.0) | (denominator == 0), 0.0, z)


def _percent(part, whole) -> int:
    return int(round(100.0 * part / whole)) if whole else 0


def _group_counts(votes: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Agree, disagree and all votes per group and statement (``k × statements`` each), in three matrix
    products instead of one pass over the matrix per group."""
    members = np.zeros((k, len(labels)), dtype=np.float32)
    members[labels, np.arange(len(labels))] = 1.0
    agree = members @ (votes == 1).astype(np.float32)
    disagree = members @ (votes == -1).astype(np.float32)
    seen = members @ (~np.isnan(votes)).astype(np.float32)
    return np.rint(agree).astype(np.int64), np.rint(disagree).astype(np.int64), np.rint(seen).astype(np.int64)


def _representative(counts, k: int, *, pick_max: int, z: float) -> list[list[dict]]:
    """Each group's representative statements (see the module's docstring)."""
    agree, disagree, seen = counts
    all_agree, all_disagree, all_seen = agree.sum(axis=0), disagree.sum(axis=0), seen.sum(axis=0)
    result = []
    for group in range(k):
        na, nd, ns = agree[group], disagree[group], seen[group]
        oa, od, os_ = all_agree - na, all_disagree - nd, all_seen - ns
        pa, pd = _probability(na, ns), _probability(nd, ns)
        pa_out, pd_out = _probability(oa, os_), _probability(od, os_)
        pat, pdt = _one_prop_test(na, ns), _one_prop_test(nd, ns)
        ra, rd = pa / pa_out, pd / pd_out
        rat, rdt = _two_prop_test(na, oa, ns, os_), _two_prop_test(nd, od, ns, os_)
        agree_sig = (pat > z) & (rat > z)
        disagree_sig = (pdt > z) & (rdt > z)
        picked = []
        for statement in np.flatnonzero(agree_sig | disagree_sig):
            # The direction in which the statement sets the group apart the most.
            is_agree = bool(agree_sig[statement]) and (not disagree_sig[statement]
                                                       or rat[statement] >= rdt[statement])
            if is_agree:
                metric = ra[statement] * rat[statement] * pa[statement] * pat[statement]
                row = {"statement": int(statement), "direction": "agree", "count": int(na[statement]),
                       "percent": _percent(na[statement], ns[statement]),
                       "others_percent": _percent(oa[statement], os_[statement]),
                       "repness": round(float(ra[statement]), 4), "repness_test": round(float(rat[statement]), 4),
                       "p_test": round(float(pat[statement]), 4)}
            else:
                metric = rd[statement] * rdt[statement] * pd[statement] * pdt[statement]
                row = {"statement": int(statement), "direction": "disagree", "count": int(nd[statement]),
                       "percent": _percent(nd[statement], ns[statement]),
                       "others_percent": _percent(od[statement], os_[statement]),
                       "repness": round(float(rd[statement]), 4), "repness_test": round(float(rdt[statement]), 4),
                       "p_test": round(float(pdt[statement]), 4)}
            row["voters"] = int(ns[statement])
            picked.append((float(metric), row))
        picked.sort(key=lambda item: (-item[0], item[1]["statement"]))
        result.append([row for _metric, row in picked[:pick_max]])
    return result


def _consensus(counts, k: int, *, pick_max: int) -> list[dict]:
    """Statements agreed (or disagreed) by a majority of every group, most consensual first."""
    agree, disagree, seen = counts
    rows = []
    for direction, success in (("agree", agree), ("disagree", disagree)):
        # A strict majority of the group's voters, and the group voted on it at all.
        majority = np.all((success / np.maximum(seen, 1) > 0.5) & (seen > 0), axis=0)
        # Group-aware consensus (Pol.is): the product of the groups' smoothed probabilities.
        score = np.prod(_probability(success, seen), axis=0)
        chosen = sorted(np.flatnonzero(majority), key=lambda s: (-score[s], s))[:pick_max]
        total, total_seen = success.sum(axis=0), seen.sum(axis=0)
        for statement in chosen:
            rows.append({"statement": int(statement), "direction": direction,
                         "percent": _percent(total[statement], total_seen[statement]),
                         "groups_percent": [_percent(success[g, statement], seen[g, statement]) for g in range(k)],
                         "score": round(float(score[statement]), 4)})
    return rows


def _opinion_groups(matrix, *, min_votes: int = 7, seed: int = 0, max_groups: int = 5, pick_max: int = 5,
                    silhouette_sample: int = 2000, confidence_z: float = Z_90, min_participants: int = 4,
                    n_init: int = 4) -> dict:
    votes = np.asarray(matrix, dtype=float)
    if votes.ndim != 2:
        raise ValueError("The vote matrix must have two dimensions (participants × statements).")
    n_participants, n_statements = votes.shape
    finite = ~np.isnan(votes)
    if np.any(finite & ~np.isin(votes, (-1.0, 0.0, 1.0))):
        raise ValueError("Votes are 1 (agree), -1 (disagree), 0 (pass) or NaN (not voted).")
    min_votes = max(1, min(int(min_votes), max(n_statements, 1)))
    vote_counts = finite.sum(axis=1) if n_statements else np.zeros(n_participants, dtype=int)
    kept = vote_counts >= min_votes
    n_kept = int(kept.sum())
    if n_statements < 2:
        return _empty(NOT_ENOUGH, reason="statements", n_participants=n_participants,
                      n_statements=n_statements, kept=kept, min_votes=min_votes)
    if n_kept < max(min_participants, 2):
        return _empty(NOT_ENOUGH, reason="participants", n_participants=n_participants,
                      n_statements=n_statements, kept=kept, min_votes=min_votes)

    kept_votes = votes[kept]
    kept_index = np.flatnonzero(kept)
    # Impute: the statement's mean among the kept participants (0 when nobody voted on it).
    with np.errstate(invalid="ignore"):
        column_sum = np.nansum(kept_votes, axis=0)
        column_n = np.count_nonzero(~np.isnan(kept_votes), axis=0)
        means = np.where(column_n > 0, column_sum / np.maximum(column_n, 1), 0.0)
    imputed = np.where(np.isnan(kept_votes), means[np.newaxis, :], kept_votes)

    centred = imputed - imputed.mean(axis=0)
    if not np.any(np.abs(centred) > 1e-12):
        labels = np.zeros(n_kept, dtype=int)
        result = _empty(NO_DIVERGENCE, reason="identical", n_participants=n_participants,
                        n_statements=n_statements, kept=kept, min_votes=min_votes)
        result.update({"k": 1, "labels": labels.tolist(), "projection": [[0.0, 0.0]] * n_kept,
                       "groups": [{"size": n_kept, "representative": []}],
                       "consensus": _consensus(_group_counts(kept_votes, labels, 1), 1, pick_max=pick_max)})
        return result

    # Randomized SVD with a few power iterations: as exact as the full one for the two leading
    # components of a vote matrix, in a fraction of the time on large conversations.
    if n_statements <= 50:
        pca = PCA(n_components=2, svd_solver="full")
    else:
        pca = PCA(n_components=2, svd_solver="randomized", iterated_power=3, n_oversamples=10, random_state=seed)
    projection = pca.fit_transform(imputed)
    scale = np.sqrt(n_statements / np.maximum(vote_counts[kept], 1))
    projection = projection * scale[:, np.newaxis]

    distinct = len(np.unique(np.round(projection, 9), axis=0))
    # The silhouette of every k on the same sample (the whole set when small): its distances once.
    if n_kept > silhouette_sample:
        sample = np.sort(np.random.default_rng(seed).choice(n_kept, size=silhouette_sample, replace=False))
    else:
        sample = np.arange(n_kept)
    distances = pairwise_distances(projection[sample])
    best = None
    # k-means cannot make more groups than there are distinct points; the silhouette needs k < n.
    for k in range(2, min(max_groups, distinct, n_kept - 1) + 1):
        model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(projection)
        sampled = model.labels_[sample]
        if not 2 <= len(np.unique(sampled)) < len(sample):
            continue
        score = float(silhouette_score(distances, sampled, metric="precomputed"))
        if best is None or score > best[0] + 1e-9:
            best = (score, k, model.labels_)
    if best is None:
        labels = np.zeros(n_kept, dtype=int)
        result = _empty(NO_DIVERGENCE, reason="one_group", n_participants=n_participants,
                        n_statements=n_statements, kept=kept, min_votes=min_votes)
        result.update({"k": 1, "labels": labels.tolist(),
                       "projection": np.round(projection, 4).tolist(),
                       "groups": [{"size": n_kept, "representative": []}],
                       "consensus": _consensus(_group_counts(kept_votes, labels, 1), 1, pick_max=pick_max)})
        return result

    silhouette, k, raw_labels = best
    # Number groups by decreasing size (then by their first member), so that results read the same way.
    sizes = np.bincount(raw_labels, minlength=k)
    firsts = [int(np.flatnonzero(raw_labels == g)[0]) for g in range(k)]
    order = sorted(range(k), key=lambda g: (-sizes[g], firsts[g]))
    remap = np.empty(k, dtype=int)
    remap[order] = np.arange(k)
    labels = remap[raw_labels]

    counts = _group_counts(kept_votes, labels, k)
    representative = _representative(counts, k, pick_max=pick_max, z=confidence_z)
    groups = [{"size": int(np.count_nonzero(labels == g)), "representative": representative[g],
               "centre": [round(float(v), 4) for v in projection[labels == g].mean(axis=0)]} for g in range(k)]
    return {
        "status": OK, "reason": "", "k": int(k), "labels": labels.tolist(),
        "projection": np.round(projection, 4).tolist(),
        "silhouette": round(silhouette, 4) if math.isfinite(silhouette) else None,
        "groups": groups, "consensus": _consensus(counts, k, pick_max=pick_max),
        "kept_participants": kept_index.tolist(), "participants": n_participants, "statements": n_statements,
        "min_votes": min_votes,
        "explained_variance": [round(float(v), 4) for v in pca.explained_variance_ratio_],
    }


def opinion_groups_from_matrix(matrix, *, min_votes: int = 7, seed: int = 0, **options) -> dict:
    """Opinion groups of a vote matrix (rows: participants, columns: statements; 1, -1, 0 or NaN).

    Returns ``{"status", "reason", "k", "labels", "projection", "silhouette", "groups": [{"size",
    "representative": [...], "centre"}], "consensus": [...], "kept_participants": [...], "participants",
    "statements", "min_votes"}``; ``labels`` and ``projection`` are aligned with ``kept_participants``
    (indices of the matrix's rows), groups are numbered by decreasing size. ``status`` is ``ok``,
    ``not_enough_votes`` (too few participants with ``min_votes`` votes, or fewer than two statements: no
    groups) or ``no_divergence`` (everyone voted alike: one group). Options: ``max_groups`` (5),
    ``pick_max`` (5), ``silhouette_sample`` (2,000), ``confidence_z`` (90 %), ``min_participants`` (4),
    ``n_init`` (4).

    Runs on one thread: on a shared machine, the native thread pools of k-means and BLAS waiting for each
    other cost more than a second core gains (measured: 2.6 s against 7–11 s on 2 busy cores)."""
    with threadpool_limits(limits=1):
        return _opinion_groups(matrix, min_votes=min_votes, seed=seed, **options)


def synthetic_votes(*, groups: int, participants: int, statements: int, seed: int = 0, agreement: float = 0.85,
                    pass_rate: float = 0.1, missing_rate: float = 0.2,
                    consensus_every: int = 5) -> tuple[np.ndarray, np.ndarray, list[set]]:
    """A vote matrix built from ``groups`` latent opinion groups (for the tests, the demo and the benchmark).

    Groups sit at evenly spaced angles of a plane of opinions, and each statement at an angle too: a group
    agrees with the statements that point its way and disagrees with the others; every
    ``consensus_every``-th statement is agreed by everybody. Members follow their group's stance with
    probability ``agreement``, pass with probability ``pass_rate`` and leave ``missing_rate`` of the
    statements unvoted. Returns ``(matrix, true_labels, agreed_statements_per_group)`` (the statements
    each group agrees with and at least one other group disagrees with)."""
    rng = np.random.default_rng(seed)
    group_angles = 2 * np.pi * np.arange(groups) / groups + np.pi / 4
    stance = np.ones((groups, statements))
    regular = [s for s in range(statements) if not (consensus_every and s % consensus_every == consensus_every - 1)]
    for position, statement in enumerate(regular):
        angle = 2 * np.pi * (position + 0.5) / max(len(regular), 1)
        stance[:, statement] = np.where(np.cos(group_angles - angle) > 0, 1.0, -1.0)
    agreed = [{s for s in regular if stance[g, s] == 1 and np.any(stance[:, s] == -1)} for g in range(groups)]
    labels = np.arange(participants) % groups
    rng.shuffle(labels)
    follow = rng.random((participants, statements)) < agreement
    expected = stance[labels]
    matrix = np.where(follow, expected, -expected)
    matrix = np.where(rng.random((participants, statements)) < pass_rate, 0.0, matrix)
    matrix = np.where(rng.random((participants, statements)) < missing_rate, np.nan, matrix)
    return matrix.astype(float), labels, agreed
