"""How a campaign's results are computed (pure functions, no database): weighted scores and Borda count.

The method, as written on every results page:

- **Weighted score** (rating campaigns). For each candidate and criterion, the mean of the scores given
  by the participants who rated it, divided by the maximum score (so between 0 and 1). The candidate's
  score is the weighted mean of these values over the criteria it received at least one rating on,
  times 100. An abstention (a criterion or a candidate left unrated) is not counted: it lowers neither
  the mean nor the weight; a candidate nobody rated has no score and comes last.
- **Borda count** (both methods). Each ballot orders the candidates: by the ballot's own weighted score
  (rating) or by the participant's ranking. With *n* candidates, position *p* is worth *n − p* points.
  Tied candidates (equal scores on one ballot) share the average of the points of the positions they
  occupy; candidates a ballot left unrated are tied together after the rated ones. A ballot with no
  rating at all counts for nothing.
- **Order and selection.** Rating: by weighted score, then Borda points, then the order of the list.
  Ranking: by Borda points, then mean position, then the order of the list. The first
  ``selected_count`` candidates are selected. Candidates with equal values are marked « ex æquo ».
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    candidates: list[dict] = field(default_factory=list)  # in final order
    ballots: int = 0


def _borda_points(order_groups: list[list[int]], n: int) -> dict[int, float]:
    """``order_groups``: candidate ids, best group first, each group tied. Returns points per candidate."""
    points: dict[int, float] = {}
    position = 1
    for group in order_groups:
        if not group:
            continue
        positions = range(position, position + len(group))
        share = sum(n - p for p in positions) / len(group)
        for candidate in group:
            points[candidate] = share
        position += len(group)
    return points


def _groups_by_value(values: dict[int, float], ids: list[int]) -> list[list[int]]:
    """Candidate ids grouped by equal value, highest first (``ids`` gives the tie order inside a group)."""
    groups: dict[float, list[int]] = {}
    for cid in ids:
        if cid in values:
            groups.setdefault(round(values[cid], 9), []).append(cid)
    return [groups[v] for v in sorted(groups, reverse=True)]


def _weighted(ratings: dict[int, list[int]], weights: dict[int, float], scale_max: int) -> float | None:
    """Weighted mean (0–1) of the per-criterion means; ``ratings``: criterion id → scores."""
    total = weight_sum = 0.0
    for criterion, scores in ratings.items():
        if not scores:
            continue
        weight = weights[criterion]
        total += weight * (sum(scores) / len(scores)) / scale_max
        weight_sum += weight
    if weight_sum == 0:
        return None
    return total / weight_sum


def compute_rating(*, candidate_ids: list[int], criteria: dict[int, float], scale_max: int,
                   ballots: list[dict[int, dict[int, int]]]) -> Outcome:
    """``criteria``: criterion id → weight; ``ballots``: per ballot, candidate id → {criterion id: score}."""
    n = len(candidate_ids)
    pooled: dict[int, dict[int, list[int]]] = {c: {k: [] for k in criteria} for c in candidate_ids}
    borda = dict.fromkeys(candidate_ids, 0.0)
    counted = 0
    for ballot in ballots:
        own: dict[int, float] = {}
        for cid in candidate_ids:
            ratings = {k: [s] for k, s in (ballot.get(cid) or {}).items() if k in criteria}
            for k, scores in ratings.items():
                pooled[cid][k].extend(scores)
            value = _weighted(ratings, criteria, scale_max)
            if value is not None:
                own[cid] = value
        if not own:
            continue
        counted += 1
        groups = _groups_by_value(own, candidate_ids)
        groups.append([cid for cid in candidate_ids if cid not in own])
        for cid, pts in _borda_points(groups, n).items():
            borda[cid] += pts
    rows = []
    for index, cid in enumerate(candidate_ids):
        per_criterion = {}
        for k, scores in pooled[cid].items():
            mean = sum(scores) / len(scores) if scores else None
            per_criterion[k] = {"ratings": len(scores), "mean": mean,
                                "normalised": (mean / scale_max) if mean is not None else None}
        value = _weighted(pooled[cid], criteria, scale_max)
        rows.append({"candidate": cid, "order": index, "criteria": per_criterion,
                     "score": None if value is None else value * 100, "borda": borda[cid],
                     "ratings": sum(len(s) for s in pooled[cid].values())})
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), -r["borda"], r["order"]))
    _mark_ties(rows, lambda r: (None if r["score"] is None else round(r["score"], 9), round(r["borda"], 9)))
    return Outcome(candidates=rows, ballots=counted)


def compute_ranking(*, candidate_ids: list[int], ballots: list[dict[int, int]]) -> Outcome:
    """``ballots``: per ballot, candidate id → position (1 = first); each ballot ranks every candidate."""
    n = len(candidate_ids)
    borda = dict.fromkeys(candidate_ids, 0.0)
    positions: dict[int, list[int]] = {c: [] for c in candidate_ids}
    counted = 0
    for ballot in ballots:
        ranked = {cid: pos for cid, pos in ballot.items() if cid in borda}
        if not ranked:
            continue
        counted += 1
        for cid, pos in ranked.items():
            positions[cid].append(pos)
        groups = _groups_by_value({cid: -pos for cid, pos in ranked.items()}, candidate_ids)
        groups.append([cid for cid in candidate_ids if cid not in ranked])
        for cid, pts in _borda_points(groups, n).items():
            borda[cid] += pts
    rows = []
    for index, cid in enumerate(candidate_ids):
        got = positions[cid]
        rows.append({"candidate": cid, "order": index, "criteria": {}, "score": None, "borda": borda[cid],
                     "mean_position": (sum(got) / len(got)) if got else None, "ratings": len(got)})
    rows.sort(key=lambda r: (-r["borda"], r["mean_position"] is None, r["mean_position"] or 0, r["order"]))
    _mark_ties(rows, lambda r: (round(r["borda"], 9),
                                None if r["mean_position"] is None else round(r["mean_position"], 9)))
    return Outcome(candidates=rows, ballots=counted)


def _mark_ties(rows: list[dict], key) -> None:
    """``rank``: 1 + the number of candidates strictly ahead (tied rows share it); ``tied``: shares it."""
    for index, row in enumerate(rows):
        if index and key(rows[index - 1]) == key(row):
            row["rank"] = rows[index - 1]["rank"]
            row["tied"] = rows[index - 1]["tied"] = True
        else:
            row["rank"] = index + 1
            row["tied"] = False
    for row in rows:
        row["borda_rank"] = 1 + sum(1 for other in rows if round(other["borda"], 9) > round(row["borda"], 9))
