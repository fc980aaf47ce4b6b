"""Forms of the reuse pages: proposing or editing a reuse, the gallery's filters, a moderation decision.

They only parse what people type; the rules (http/https links, public datasets, real images) are
``catalog.services``' (``reuses.py``), whose errors come back next to the fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Reuse


class ReuseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de réutilisation"), choices=Reuse.Kind.choices)
    title_fr = forms.CharField(label=_("Titre (français)"), max_length=200)
    title_en = forms.CharField(label=_("Titre (anglais)"), max_length=200, required=False)
    url = forms.CharField(label=_("Adresse de la réutilisation"), max_length=1000,
                          help_text=_("L’adresse web complète, commençant par https:// ou http://."),
                          widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "url"}))
    description_fr = forms.CharField(label=_("Description (français)"), required=False, max_length=10_000,
                                     widget=forms.Textarea(attrs={"rows": 5}),
                                     help_text=_("Ce que fait la réutilisation et ce qu’elle tire des données."))
    description_en = forms.CharField(label=_("Description (anglais)"), required=False, max_length=10_000,
                                     widget=forms.Textarea(attrs={"rows": 5}))
    author_name = forms.CharField(label=_("Auteur ou organisme"), max_length=200, required=False)
    datasets = forms.CharField(
        label=_("Jeux de données utilisés"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Les identifiants des jeux de données publics du catalogue (ou les adresses de leurs pages), "
                    "un par ligne ou séparés par des virgules. La recherche ci-dessous les ajoute pour vous."))
    image = forms.FileField(label=_("Image (facultative)"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}))

    def __init__(self, *args, max_bytes: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if max_bytes:
            self.fields["image"].help_text = _("PNG, JPEG ou WebP, au plus %(size)s Mo. Les métadonnées (EXIF, "
                                               "position) sont retirées.") % {"size": round(max_bytes / 1048576, 1)}

    def to_data(self) -> dict:
        data = {key: self.cleaned_data.get(key, "") for key in
                ("kind", "title_fr", "title_en", "url", "description_fr", "description_en", "author_name")}
        names = []
        for line in (self.cleaned_data.get("datasets") or "").replace("\r", "").replace(",", "\n").split("\n"):
            line = line.strip()
            if line and line not in names:
                names.append(line)
        data["datasets"] = names
        return data


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(label=_("Décision"), choices=[("publish", _("Publier")), ("reject", _("Refuser"))])
    note = forms.CharField(label=_("Motif (obligatoire pour un refus)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
