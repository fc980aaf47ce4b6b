"""Forms of the harvesting pages: a source (create, edit), starting a job, filtering a job's objects.

The forms only carry what people type; the rules (name format, http(s) address, configuration
keys…) are ``services.source_create``/``source_update``'s, whose ``ValidationError`` messages
come back next to the fields through ``add_service_errors``.
"""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import HarvestObject, HarvestSource


class SourceForm(forms.Form):
    """A harvest source; ``name`` and ``type`` only when creating (they do not change afterwards)."""

    name = forms.CharField(
        label=_("Identifiant"), max_length=100,
        help_text=_("De 2 à 100 caractères : lettres minuscules sans accents, chiffres, « - » et « _ ». "
                    "Il sert dans les adresses et en ligne de commande (ouvert harvest run IDENTIFIANT)."))
    title = forms.CharField(label=_("Titre"), max_length=300, required=False,
                            help_text=_("Par défaut, l’identifiant."))
    type = forms.ChoiceField(label=_("Type de catalogue"), choices=HarvestSource.Type.choices)
    url = forms.CharField(label=_("Adresse"), max_length=1000, widget=forms.URLInput,
                          help_text=_("CKAN : l’adresse du site (sans /api/3/action). DCAT : l’adresse du "
                                      "catalogue (Turtle, RDF/XML ou JSON-LD)."))
    organisation = forms.ChoiceField(label=_("Éditeur des jeux moissonnés"), choices=[])
    frequency = forms.ChoiceField(label=_("Fréquence"), choices=HarvestSource.Frequency.choices,
                                  help_text=_("« Manuelle » : seulement quand on la lance."))
    config = forms.CharField(
        label=_("Configuration (JSON)"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_('Un objet JSON. CKAN : fq (filtre), rows, max_pages, par exemple {"fq": "organization:statcan"}. '
                    'DCAT : format, max_pages et modified_since (le paramètre d’adresse qui demande les seuls '
                    'changements), par exemple {"modified_since": "modified_since"}.'))
    active = forms.BooleanField(label=_("Active (moissonnée selon sa fréquence)"), required=False, initial=True)

    def __init__(self, *args, organisations=(), source: HarvestSource | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.organisations = {org.slug: org for org in organisations}
        english = (get_language() or "fr").startswith("en")
        self.fields["organisation"].choices = [(org.slug, (org.name_en or org.name_fr) if english else org.name_fr)
                                               for org in organisations]
        if source is not None:
            del self.fields["name"]
            del self.fields["type"]

    @staticmethod
    def initial_from(source: HarvestSource) -> dict:
        return {"title": source.title, "url": source.url, "organisation": source.organisation.slug,
                "frequency": source.frequency, "active": source.active,
                "config": json.dumps(source.config, ensure_ascii=False) if source.config else ""}

    def to_changes(self) -> dict:
        """The keyword arguments of ``source_create`` (or the changes for ``source_update``)."""
        data = self.cleaned_data
        changes = {"title": data["title"], "url": data["url"], "frequency": data["frequency"],
                   "config": data["config"], "active": data["active"],
                   "organisation": self.organisations[data["organisation"]]}
        if self.source is None:
            changes.update(name=data["name"], type=data["type"])
        return changes


class RunForm(forms.Form):
    full = forms.BooleanField(label=_("Moisson complète : tout relire, pas seulement ce qui a changé, et propager "
                                      "les suppressions"), required=False)


def object_status_choices() -> list[tuple[str, str]]:
    return [("", _("Tous")), *HarvestObject.Status.choices]
