"""``/api/v1/market/…``: the evaluation part — the panel, conflict-of-interest declarations, the proposals to
evaluate (opened content after the deadline, to those allowed), scores, consensus, disqualification, ranking,
award and the bidders' debrief.

Every endpoint needs a token or a session (401 without); the services decide the rest: 403 not allowed (and
before the deadline, for everything that touches proposals), 400 bad input (``errors`` per field), 404 unknown.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Body, Router, Schema, Status

from ouvert.api import AUTH

from . import evaluation
from .models import Evaluator, Opportunity

router = Router(tags=["market"])


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _dec(value) -> str | None:
    return str(value) if value is not None else None


def _opportunity(request, reference: str) -> Opportunity:
    return evaluation.evaluation_opportunity(reference=reference, user=request.auth)


def _member(evaluator: Evaluator, *, full: bool) -> dict:
    data = {"id": evaluator.pk, "name": evaluator.user.full_name or evaluator.user.email,
            "is_chair": evaluator.is_chair, "declared": evaluator.coi_declared_at is not None,
            "has_conflict": evaluator.has_conflict, "declared_at": _iso(evaluator.coi_declared_at)}
    if full:
        data["email"] = evaluator.user.email
    return data


def _panel(opportunity: Opportunity, user) -> dict:
    from . import access

    state = evaluation.panel_get(opportunity=opportunity, user=user)
    full = access.is_buyer(user, opportunity)
    return {"opportunity": opportunity.reference, "status": opportunity.status,
            "members": [_member(e, full=full) for e in state.members],
            "can_start": state.can_start, "scores_count": state.scores_count, "notes": state.messages()}


class NameIn(Schema):
    email: str
    is_chair: bool = False


class CoiIn(Schema):
    has_conflict: bool
    confirm: bool = False
    details: str = ""


class ReasonIn(Schema):
    reason: str = ""


class AwardIn(Schema):
    proposal: int


@router.get("/opportunities/{reference}/panel", auth=AUTH, summary="Comité d'évaluation / Evaluation panel")
def panel(request: HttpRequest, reference: str):
    return _panel(_opportunity(request, reference), request.auth)


@router.post("/opportunities/{reference}/panel", auth=AUTH, response={201: dict},
             summary="Nommer un membre du comité / Name a panel member")
def panel_name(request: HttpRequest, reference: str, payload: NameIn):
    opportunity = _opportunity(request, reference)
    evaluator = evaluation.evaluator_name(actor=request.auth, opportunity=opportunity, email=payload.email,
                                          is_chair=payload.is_chair)
    return Status(201, _member(evaluator, full=True))


@router.delete("/opportunities/{reference}/panel/{evaluator_id}", auth=AUTH, response={204: None},
               summary="Retirer un membre du comité / Remove a panel member")
def panel_remove(request: HttpRequest, reference: str, evaluator_id: int):
    opportunity = _opportunity(request, reference)
    evaluation.evaluator_remove(actor=request.auth, opportunity=opportunity, evaluator_id=evaluator_id)
    return Status(204, None)


@router.post("/opportunities/{reference}/panel/{evaluator_id}/chair", auth=AUTH,
             summary="Confier la présidence / Make chair")
def panel_chair(request: HttpRequest, reference: str, evaluator_id: int):
    opportunity = _opportunity(request, reference)
    evaluation.evaluator_set_chair(actor=request.auth, opportunity=opportunity, evaluator_id=evaluator_id)
    return _panel(opportunity, request.auth)


@router.get("/opportunities/{reference}/coi", auth=AUTH,
            summary="Fournisseurs à déclarer (après la date limite) / Bidders to declare against")
def coi_get(request: HttpRequest, reference: str):
    opportunity = _opportunity(request, reference)
    bidders = evaluation.coi_bidders(opportunity=opportunity, user=request.auth)
    from . import access

    seat = access.evaluator_get(request.auth, opportunity)
    return {"bidders": bidders, "declared_at": _iso(seat.coi_declared_at), "has_conflict": seat.has_conflict,
            "statement": seat.coi_statement}


@router.post("/opportunities/{reference}/coi", auth=AUTH, response={201: dict},
             summary="Signer sa déclaration d'intérêts / Sign one's conflict-of-interest declaration")
def coi_declare(request: HttpRequest, reference: str, payload: CoiIn):
    opportunity = _opportunity(request, reference)
    seat = evaluation.coi_declare(user=request.auth, opportunity=opportunity, has_conflict=payload.has_conflict,
                                  confirm=payload.confirm, details=payload.details)
    return Status(201, {"declared_at": _iso(seat.coi_declared_at), "has_conflict": seat.has_conflict,
                        "statement": seat.coi_statement})


def _row(row: dict) -> dict:
    proposal = row["proposal"]
    return {"id": proposal.pk, "supplier": proposal.supplier.legal_name, "disqualified": row["disqualified"],
            "my_scores": row["mine_count"], "my_evaluation_submitted": row["mine_submitted"],
            "submitted_evaluations": row["submitted_count"], "evaluators": row["readers_count"],
            "consensus": row["consensus"], "total_score": _dec(row["total_score"]), "rank": row["rank"]}


@router.get("/opportunities/{reference}/evaluation/proposals", auth=AUTH,
            summary="Propositions à évaluer / Proposals to evaluate")
def proposals(request: HttpRequest, reference: str):
    opportunity = _opportunity(request, reference)
    return [_row(r) for r in evaluation.evaluation_proposals(opportunity=opportunity, user=request.auth)]


def _score(score) -> dict | None:
    if score is None:
        return None
    return {"criterion": score.criterion_id, "score": _dec(score.score), "comment": score.comment,
            "submitted_at": _iso(score.submitted_at)}


def _sheet(proposal, user) -> dict:
    sheet = evaluation.score_sheet(proposal=proposal, user=user)
    document = sheet["document"]
    return {
        "id": proposal.pk, "supplier": proposal.supplier.legal_name,
        "disqualified": proposal.disqualified_at is not None, "disqualification_reason": proposal.disqualification_reason,
        "document": {k: document.get(k) for k in ("format", "opportunity", "supplier", "version", "submitted_at",
                                                  "content", "attestations")}
        | {"attachments": [{"index": i, **{k: a.get(k) for k in ("name", "content_type", "size", "sha256")}}
                           for i, a in enumerate(document.get("attachments") or [])]},
        "criteria": [{"id": c.pk, "name_fr": c.name_fr, "name_en": c.name_en, "weight": c.weight}
                     for c in sheet["criteria"]],
        "my_scores": [_score(s) for s in sheet["mine"].values()], "my_evaluation_submitted": sheet["mine_submitted"],
        "others": [{"evaluator": o["evaluator"].user.full_name or o["evaluator"].user.email,
                    "scores": [_score(s) for s in o["scores"].values()]} for o in sheet["others"]]
        if sheet["may_see_others"] else None,
        "consensus": [_score(s) for s in sheet["consensus"].values()] if sheet["may_see_others"] else None,
        "total_score": _dec(proposal.total_score) if sheet["may_see_others"] else None,
    }


def _proposal(request, reference: str, proposal_id: int):
    opportunity = _opportunity(request, reference)
    return evaluation.evaluation_proposal(opportunity=opportunity, proposal_id=proposal_id, user=request.auth)


@router.get("/opportunities/{reference}/evaluation/proposals/{proposal_id}", auth=AUTH,
            summary="Une proposition ouverte et ses notes / An opened proposal and its scores")
def proposal(request: HttpRequest, reference: str, proposal_id: int):
    return _sheet(_proposal(request, reference, proposal_id), request.auth)


@router.get("/opportunities/{reference}/evaluation/proposals/{proposal_id}/attachments/{index}", auth=AUTH,
            summary="Une pièce jointe de la proposition ouverte / An attachment of the opened proposal")
def proposal_attachment(request: HttpRequest, reference: str, proposal_id: int, index: int):
    item = evaluation.proposal_attachment(proposal=_proposal(request, reference, proposal_id), user=request.auth,
                                          index=index)
    name = re.sub(r"[^A-Za-z0-9._ -]+", "_", item["name"]).strip() or f"piece-{index}"
    response = HttpResponse(item["data"], content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.put("/opportunities/{reference}/evaluation/proposals/{proposal_id}/scores", auth=AUTH,
            summary="Enregistrer ses notes (brouillon) / Save one's scores (draft)")
def scores_save(request: HttpRequest, reference: str, proposal_id: int,
                payload: dict[str, Any] = Body(...)):  # noqa: B008
    item = _proposal(request, reference, proposal_id)
    evaluation.scores_save(user=request.auth, proposal=item, scores=payload.get("scores"))
    return _sheet(item, request.auth)


@router.post("/opportunities/{reference}/evaluation/proposals/{proposal_id}/scores/submit", auth=AUTH,
             summary="Soumettre son évaluation (figée) / Submit one's evaluation (frozen)")
def scores_submit(request: HttpRequest, reference: str, proposal_id: int,
                  payload: dict[str, Any] | None = Body(None)):  # noqa: B008
    item = _proposal(request, reference, proposal_id)
    evaluation.scores_submit(user=request.auth, proposal=item, scores=(payload or {}).get("scores"))
    return _sheet(item, request.auth)


@router.get("/opportunities/{reference}/evaluation/proposals/{proposal_id}/consensus", auth=AUTH,
            summary="Feuille de consensus / Consensus sheet")
def consensus(request: HttpRequest, reference: str, proposal_id: int):
    item = _proposal(request, reference, proposal_id)
    sheet = evaluation.consensus_get(proposal=item, user=request.auth)
    return {"id": item.pk, "supplier": item.supplier.legal_name, "ready": sheet["ready"], "blockers": sheet["blockers"],
            "members": [{"evaluator": r["evaluator"].user.full_name or r["evaluator"].user.email,
                         "submitted": r["submitted"], "scores": [_score(s) for s in r["scores"].values()]}
                        for r in sheet["rows"]],
            "consensus": [_score(s) for s in sheet["consensus"].values()], "total_score": _dec(item.total_score)}


@router.put("/opportunities/{reference}/evaluation/proposals/{proposal_id}/consensus", auth=AUTH,
            summary="Consigner le consensus / Record the consensus")
def consensus_record(request: HttpRequest, reference: str, proposal_id: int,
                     payload: dict[str, Any] = Body(...)):  # noqa: B008
    item = _proposal(request, reference, proposal_id)
    item = evaluation.consensus_record(actor=request.auth, proposal=item, scores=payload.get("scores"))
    return {"id": item.pk, "total_score": _dec(item.total_score), "rank": item.rank}


@router.post("/opportunities/{reference}/evaluation/proposals/{proposal_id}/disqualify", auth=AUTH,
             summary="Écarter une proposition / Disqualify a proposal")
def disqualify(request: HttpRequest, reference: str, proposal_id: int, payload: ReasonIn):
    item = _proposal(request, reference, proposal_id)
    item = evaluation.proposal_disqualify(actor=request.auth, proposal=item, reason=payload.reason)
    return {"id": item.pk, "disqualified_at": _iso(item.disqualified_at), "reason": item.disqualification_reason}


def _ranking(data: dict) -> dict:
    contract = data["contract"]
    return {
        "opportunity": data["opportunity"].reference, "status": data["opportunity"].status,
        "tie_rule": data["tie_rule"],
        "ranking": [{"rank": r["rank"], "proposal": r["proposal"].pk, "supplier": r["proposal"].supplier.legal_name,
                     "total_score": _dec(r["total"]), "submitted_at": _iso(r["submitted_at"]), "tie": r["tie"],
                     "scores": {str(c.pk): _dec(v) for c, v in zip(data["criteria"], r["columns"], strict=True)}}
                    for r in data["rows"]],
        "missing_consensus": [{"proposal": p.pk, "supplier": p.supplier.legal_name} for p in data["missing"]],
        "disqualified": [{"proposal": p.pk, "supplier": p.supplier.legal_name, "reason": p.disqualification_reason}
                         for p in data["disqualified"]],
        "can_award": data["can_award"], "blockers": data["blockers"], "no_valid_proposal": data["no_valid"],
        "award": _contract(contract) if contract else None,
    }


def _contract(contract) -> dict:
    return {"supplier": contract.proposal.supplier.legal_name, "proposal": contract.proposal_id,
            "value": _dec(contract.value), "awarded_at": _iso(contract.awarded_at), "note": contract.award_note,
            "status": contract.status, "payment_status": contract.payment_status}


@router.get("/opportunities/{reference}/ranking", auth=AUTH, summary="Classement / Ranking")
def ranking(request: HttpRequest, reference: str):
    opportunity = _opportunity(request, reference)
    return _ranking(evaluation.ranking(opportunity=opportunity, user=request.auth))


@router.post("/opportunities/{reference}/award", auth=AUTH, response={201: dict},
             summary="Adjuger à la proposition classée première / Award to the first-ranked proposal")
def award(request: HttpRequest, reference: str, payload: AwardIn):
    opportunity = _opportunity(request, reference)
    contract = evaluation.award(actor=request.auth, opportunity=opportunity, proposal_id=payload.proposal)
    return Status(201, _contract(contract))


@router.get("/opportunities/{reference}/debrief", auth=AUTH, summary="Bilan du soumissionnaire / Bidder's debrief")
def debrief(request: HttpRequest, reference: str):
    opportunity = evaluation.opportunity_for_bidder(reference=reference, user=request.auth)
    return [{"supplier": r["supplier"].legal_name, "won": r["won"], "disqualified": r["disqualified"],
             "disqualification_reason": r["reason"] if r["disqualified"] else "", "rank": r["rank"],
             "out_of": r["out_of"], "total_score": _dec(r["total"]), "winning_total_score": _dec(r["winning_total"]),
             "scores": [{"criterion": s["criterion"].pk, "name_fr": s["criterion"].name_fr,
                         "weight": s["criterion"].weight, "score": _dec(s["score"]), "comment": s["comment"]}
                        for s in r["scores"]],
             "awarded_at": _iso(r["awarded_at"]), "tie_rule": r["tie_rule"]}
            for r in evaluation.debrief(opportunity=opportunity, user=request.auth)]
