"""What the survey pages' forms post, turned into the arguments of the ``surveys`` services, and back into the
values a form shows. The rules are the services'; nothing here decides what is valid."""

from __future__ import annotations

from ouvert.core.i18n import pick

from .models import Question
from .surveys import SCALE_MAX, TEXT_KINDS

Kind = Question.Kind

#: A value the ranking service refuses with its own message (incomplete or duplicate ranks).
INVALID_RANKING = ["__classement-invalide__"]


# --- Builder ---------------------------------------------------------------------------------------

def survey_data_from_post(post) -> dict:
    return {"title_fr": post.get("title_fr", ""), "title_en": post.get("title_en", ""),
            "description_fr": post.get("description_fr", ""), "description_en": post.get("description_en", ""),
            "slug": post.get("slug", ""), "anonymous": post.get("anonymous") == "on",
            "results_public": post.get("results_public") == "on"}


def items_to_text(items: list[dict]) -> str:
    """Choices or rows as typed in the builder: one per line, « libellé français | libellé anglais »."""
    return "\n".join(f"{i['label_fr']} | {i['label_en']}" if i.get("label_en") else i["label_fr"] for i in items)


def _items_from_text(text: str, existing: list[dict]) -> list[dict]:
    """Lines → items; a line whose French label is unchanged keeps its key (display conditions use keys)."""
    keys = {i["label_fr"]: i["key"] for i in existing}
    items = []
    for line in (text or "").replace("\r", "").split("\n"):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|", 1)]
        item = {"label_fr": parts[0], "label_en": parts[1] if len(parts) > 1 else ""}
        if parts[0] in keys:
            item["key"] = keys[parts[0]]
        items.append(item)
    return items


def question_data_from_post(post, existing: Question | None = None) -> dict:
    wording = {key: post.get(key, "") for key in ("text_fr", "text_en", "help_fr", "help_en")}
    if existing is not None and "kind" not in post:
        return wording  # the form of an answered survey: only the wording may change
    kind = post.get("kind", existing.kind if existing else "")
    old = (existing.options or {}) if existing else {}
    options: dict = {}
    if kind in (Kind.SINGLE, Kind.MULTIPLE, Kind.RANKING, Kind.MATRIX):
        options["choices"] = _items_from_text(post.get("choices", ""), old.get("choices", []))
    if kind == Kind.MATRIX:
        options["rows"] = _items_from_text(post.get("rows", ""), old.get("rows", []))
    if kind == Kind.MULTIPLE:
        options["max_choices"] = post.get("max_choices", "")
    if kind in TEXT_KINDS:
        options["max_length"] = post.get("max_length", "")
    if kind == Kind.FILE:
        options["types"] = post.get("types", "")
        megabytes = (post.get("max_mb") or "").strip().replace(",", ".")
        try:
            options["max_bytes"] = int(float(megabytes) * 1024 * 1024) if megabytes else ""
        except ValueError:
            options["max_bytes"] = megabytes  # refused by the service with its message
    condition: dict = {}
    if post.get("condition_question"):
        condition = {"question": post.get("condition_question"), "in": post.get("condition_in", "")}
    return {"kind": kind, "text_fr": post.get("text_fr", ""), "text_en": post.get("text_en", ""),
            "help_fr": post.get("help_fr", ""), "help_en": post.get("help_en", ""),
            "required": post.get("required") == "on", "is_demographic": post.get("is_demographic") == "on",
            "options": options, "condition": condition}


def question_values(question: Question | None, post=None) -> dict:
    """What a question's builder form shows: the posted values after an error, else the stored ones."""
    if post is not None:
        return {key: post.get(key, "") for key in ("kind", "text_fr", "text_en", "help_fr", "help_en", "choices",
                                                   "rows", "max_choices", "max_length", "types", "max_mb",
                                                   "condition_question", "condition_in")} | {
            "required": post.get("required") == "on", "is_demographic": post.get("is_demographic") == "on"}
    if question is None:
        return {"kind": Kind.SINGLE, "required": False, "is_demographic": False}
    options = question.options or {}
    condition = question.condition or {}
    max_bytes = options.get("max_bytes")
    return {
        "kind": question.kind, "text_fr": question.text_fr, "text_en": question.text_en,
        "help_fr": question.help_fr, "help_en": question.help_en, "required": question.required,
        "is_demographic": question.is_demographic,
        "choices": items_to_text(options.get("choices", [])), "rows": items_to_text(options.get("rows", [])),
        "max_choices": options.get("max_choices") or "", "max_length": options.get("max_length") or "",
        "types": ", ".join(options.get("types", [])),
        "max_mb": f"{max_bytes / 1024 / 1024:g}" if max_bytes else "",
        "condition_question": str(condition.get("question", "")), "condition_in": ", ".join(condition.get("in", [])),
    }


# --- Answering -------------------------------------------------------------------------------------

def answers_from_post(questions: list[Question], post, files) -> tuple[dict, dict]:
    """The form's fields (``q<position>``, ``q<position>-<key>`` for rankings and matrices) → ``answers`` and
    ``files`` keyed by position."""
    answers: dict = {}
    uploads: dict = {}
    for question in questions:
        name = f"q{question.position}"
        options = question.options or {}
        if question.kind == Kind.MULTIPLE:
            answers[question.position] = post.getlist(name)
        elif question.kind == Kind.RANKING:
            ranks = {c["key"]: (post.get(f"{name}-{c['key']}") or "").strip() for c in options.get("choices", [])}
            if not any(ranks.values()):
                answers[question.position] = None
                continue
            try:
                numbers = {key: int(value) for key, value in ranks.items()}
            except ValueError:
                answers[question.position] = INVALID_RANKING
                continue
            if sorted(numbers.values()) != list(range(1, len(numbers) + 1)):
                answers[question.position] = INVALID_RANKING
                continue
            answers[question.position] = sorted(numbers, key=numbers.get)
        elif question.kind == Kind.MATRIX:
            answers[question.position] = {r["key"]: post.get(f"{name}-{r['key']}", "") for r in options.get("rows", [])
                                          if post.get(f"{name}-{r['key']}")}
        elif question.kind == Kind.FILE:
            if files.get(name) is not None:
                uploads[question.position] = files.get(name)
        else:
            answers[question.position] = post.get(name, "")
    return answers, uploads


def question_display(question: Question, *, posted=None, errors: dict | None = None,
                     questions_by_position: dict | None = None) -> dict:
    """Everything the answer form needs to show ``question`` (with the posted values after an error)."""
    name = f"q{question.position}"
    options = question.options or {}
    posted = posted if posted is not None else {}
    single = posted.get(name, "") if hasattr(posted, "get") else ""
    many = posted.getlist(name) if hasattr(posted, "getlist") else []
    choices = [{"key": c["key"], "label": pick(c["label_fr"], c.get("label_en", "")),
                "checked": c["key"] == single or c["key"] in many,
                "rank": posted.get(f"{name}-{c['key']}", "") if hasattr(posted, "get") else ""}
               for c in options.get("choices", [])]
    rows = [{"key": r["key"], "label": pick(r["label_fr"], r.get("label_en", "")),
             "cells": [{**c, "checked": posted.get(f"{name}-{r['key']}") == c["key"]} for c in choices]}
            for r in options.get("rows", [])]
    scale = [{"value": str(i), "checked": single == str(i)} for i in range(1, SCALE_MAX.get(question.kind, 0) + 1)]
    condition = question.condition or {}
    condition_text = ""
    if condition and questions_by_position:
        source = questions_by_position.get(condition.get("question"))
        if source is not None:
            labels = [pick(c["label_fr"], c.get("label_en", "")) for c in source.options.get("choices", [])
                      if c["key"] in condition.get("in", [])]
            condition_text = " / ".join(labels)
    return {
        "q": question, "name": name, "id": f"question-{question.position}", "kind": question.kind,
        "text": question.text, "help": question.help, "required": question.required,
        "value": single, "choices": choices, "rows": rows, "scale": scale,
        "max_length": options.get("max_length"), "max_choices": options.get("max_choices") or 0,
        "accept": ",".join(f".{t}" for t in options.get("types", [])),
        "max_mb": round((options.get("max_bytes") or 0) / 1024 / 1024, 1),
        "types": ", ".join(t.upper() for t in options.get("types", [])),
        "errors": (errors or {}).get(name, []), "condition": condition, "condition_text": condition_text,
        "positions": list(range(1, len(choices) + 1)),
    }
