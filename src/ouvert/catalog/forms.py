"""Forms of the catalogue pages: search filters, publishing a dataset, adding or replacing a resource.

The forms only parse what people type (lists written with commas, "key = value" lines, dates)
into the ``data`` dictionaries of ``catalog.services``; the rules (required title, name format,
known licence, coverage dates in order…) are the services'. A service's ``ValidationError`` comes
back through ``add_service_errors``, each message next to its field.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import TEXT_MAX_LENGTH, Dataset

SORT_CHOICES = [
    ("pertinence", _("Pertinence")),
    ("date", _("Date de modification (récentes d’abord)")),
    ("titre", _("Titre (A à Z)")),
]
#: Page sort → ``package_search`` sort.
SORTS = {
    "pertinence": "score desc, metadata_modified desc",
    "date": "metadata_modified desc",
    "titre": "title_string asc",
}


def _split(text: str) -> list[str]:
    """Items written one per line or separated by commas."""
    items = []
    for line in (text or "").replace("\r", "").split("\n"):
        for item in line.split(","):
            item = item.strip()
            if item and item not in items:
                items.append(item)
    return items


def _join(items) -> str:
    return ", ".join(items or [])


class DatasetForm(forms.Form):
    """Every field of a dataset, in both languages; the submit button chooses draft or publish."""

    organisation = forms.ChoiceField(label=pgettext_lazy("publisher", "Éditeur"), choices=[])
    name = forms.CharField(
        label=_("Identifiant (adresse)"), max_length=100,
        help_text=_("De 2 à 100 caractères : lettres minuscules sans accents, chiffres, « - » et « _ ». "
                    "Le changer garde l’ancienne adresse, qui redirige."))
    title_fr = forms.CharField(label=_("Titre (français)"), max_length=500)
    title_en = forms.CharField(label=_("Titre (anglais)"), max_length=500, required=False)
    notes_fr = forms.CharField(label=_("Description (français)"), required=False, max_length=TEXT_MAX_LENGTH,
                               widget=forms.Textarea(attrs={"rows": 6}),
                               help_text=_("En Markdown : **gras**, listes, liens [texte](adresse)."))
    notes_en = forms.CharField(label=_("Description (anglais)"), required=False, max_length=TEXT_MAX_LENGTH,
                               widget=forms.Textarea(attrs={"rows": 6}))
    licence = forms.ChoiceField(label=_("Licence"), choices=[])
    themes = forms.MultipleChoiceField(label=_("Thèmes"), required=False, choices=[],
                                       widget=forms.CheckboxSelectMultiple)
    tags = forms.CharField(label=_("Mots-clés"), required=False, max_length=20_000,
                           help_text=_("Séparés par des virgules, par exemple : vélo, transport, comptage."))
    keywords_fr = forms.CharField(label=_("Mots-clés en français (vocabulaire)"), required=False, max_length=20_000,
                                  help_text=_("Séparés par des virgules."))
    keywords_en = forms.CharField(label=_("Mots-clés en anglais (vocabulaire)"), required=False, max_length=20_000,
                                  help_text=_("Séparés par des virgules."))
    frequency = forms.ChoiceField(label=_("Fréquence de mise à jour"), required=False,
                                  choices=[("", _("Non précisée")), *Dataset.Frequency.choices])
    temporal_start = forms.CharField(label=_("Début de la couverture temporelle"), required=False, max_length=30,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    temporal_end = forms.CharField(label=_("Fin de la couverture temporelle"), required=False, max_length=30,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    spatial_name = forms.CharField(label=_("Couverture géographique"), required=False, max_length=300,
                                   help_text=_("Région nommée, par exemple « Montréal (06) »."))
    bbox_west = forms.CharField(label=_("Longitude ouest"), required=False, max_length=40)
    bbox_south = forms.CharField(label=_("Latitude sud"), required=False, max_length=40)
    bbox_east = forms.CharField(label=_("Longitude est"), required=False, max_length=40)
    bbox_north = forms.CharField(label=_("Latitude nord"), required=False, max_length=40)
    languages = forms.CharField(label=_("Langues des données"), required=False, max_length=300,
                                help_text=_("Codes ISO 639-1 séparés par des virgules, par exemple : fr, en."))
    author = forms.CharField(label=_("Auteur"), required=False, max_length=300)
    author_email = forms.CharField(label=_("Courriel de l’auteur"), required=False, max_length=254,
                                   widget=forms.EmailInput)
    maintainer = forms.CharField(label=_("Point de contact"), required=False, max_length=300)
    maintainer_email = forms.CharField(label=_("Courriel du point de contact"), required=False, max_length=254,
                                       widget=forms.EmailInput)
    version = forms.CharField(label=_("Version"), required=False, max_length=100)
    url = forms.CharField(label=_("Source (adresse)"), required=False, max_length=1000, widget=forms.URLInput)
    extras = forms.CharField(label=_("Champs libres"), required=False, max_length=200_000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Une paire par ligne : clé = valeur."))
    private = forms.BooleanField(label=_("Privé (visible seulement par les membres de l’éditeur)"),
                                 required=False)

    #: Fields shown side by side in fieldsets (template order).
    FIELDSETS = [
        (_("Identification"), ["organisation", "name", "title_fr", "title_en"]),
        (_("Description"), ["notes_fr", "notes_en"]),
        (_("Classement"), ["licence", "themes", "tags", "keywords_fr", "keywords_en"]),
        (_("Couverture"), ["frequency", "temporal_start", "temporal_end", "spatial_name", "bbox_west",
                           "bbox_south", "bbox_east", "bbox_north", "languages"]),
        (_("Contact et provenance"), ["author", "author_email", "maintainer", "maintainer_email", "version",
                                      "url", "extras"]),
        (_("Visibilité"), ["private"]),
    ]

    def __init__(self, *args, organisations=(), licences=(), themes=(), lang="fr", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(org.slug, org.label) for org in organisations]
        self.fields["licence"].choices = [
            (lic.pk, (lic.title_en or lic.title_fr) if lang == "en" else lic.title_fr) for lic in licences]
        self.fields["themes"].choices = [
            (theme.name, (theme.title_en or theme.title_fr) if lang == "en" else theme.title_fr) for theme in themes]

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    @staticmethod
    def initial_from(dataset) -> dict:
        """The form's initial values for an existing dataset."""
        keywords = dataset.keywords or {}
        return {
            "organisation": dataset.organisation.slug, "name": dataset.name,
            **{f: getattr(dataset, f) for f in ("title_fr", "title_en", "notes_fr", "notes_en", "author",
                                                "author_email", "maintainer", "maintainer_email", "frequency",
                                                "spatial_name", "version", "url", "private")},
            "licence": dataset.licence_id,
            "themes": [t.name for t in dataset.themes.all()],
            "tags": _join(t.name for t in dataset.tags.all()),
            "keywords_fr": _join(keywords.get("fr")), "keywords_en": _join(keywords.get("en")),
            "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else "",
            "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else "",
            **{f: "" if getattr(dataset, f) is None else str(getattr(dataset, f))
               for f in ("bbox_west", "bbox_south", "bbox_east", "bbox_north")},
            "languages": _join(dataset.languages),
            "extras": "\n".join(f"{k} = {v}" for k, v in sorted((dataset.extras or {}).items())),
        }

    def clean_extras(self):
        pairs = {}
        for number, line in enumerate((self.cleaned_data.get("extras") or "").splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise ValidationError(_("Ligne %(number)s : écrivez « clé = valeur ».") % {"number": number})
            pairs[key.strip()] = value.strip()
        return pairs

    def to_data(self, *, state: str) -> dict:
        """``data`` for ``services.dataset_create``/``dataset_update`` (every field given)."""
        c = self.cleaned_data
        keywords = {lang: _split(c.get(f"keywords_{lang}")) for lang in ("fr", "en")}
        return {
            "name": c["name"].strip(),
            **{f: c.get(f) or "" for f in ("title_fr", "title_en", "notes_fr", "notes_en", "author", "author_email",
                                           "maintainer", "maintainer_email", "frequency", "spatial_name",
                                           "version", "url")},
            "licence": c.get("licence") or None,
            "themes": list(c.get("themes") or []),
            "tags": _split(c.get("tags")),
            "keywords": {k: v for k, v in keywords.items() if v},
            "temporal_start": c.get("temporal_start") or None,
            "temporal_end": c.get("temporal_end") or None,
            **{f: (c.get(f) or "").strip().replace(",", ".") or None
               for f in ("bbox_west", "bbox_south", "bbox_east", "bbox_north")},
            "languages": _split(c.get("languages")),
            "extras": c.get("extras") or {},
            "private": bool(c.get("private")),
            "state": state,
        }


class ResourceForm(forms.Form):
    """A resource: a link, or a file (a new file on an existing resource is a new version)."""

    name_fr = forms.CharField(label=_("Nom (français)"), max_length=500)
    name_en = forms.CharField(label=_("Nom (anglais)"), max_length=500, required=False)
    description_fr = forms.CharField(label=_("Description (français)"), required=False, max_length=TEXT_MAX_LENGTH,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    description_en = forms.CharField(label=_("Description (anglais)"), required=False, max_length=TEXT_MAX_LENGTH,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    upload = forms.FileField(label=_("Fichier"), required=False,
                             help_text=_("Téléversez un fichier, ou donnez l’adresse d’un lien ci-dessous."))
    url = forms.CharField(label=_("Lien (adresse)"), required=False, max_length=2000, widget=forms.URLInput)
    format = forms.CharField(label=_("Format"), required=False, max_length=50,
                             help_text=_("Par exemple CSV, JSON, GeoJSON; deviné d’après le fichier si vide."))

    def __init__(self, *args, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None and editing.kind == "upload":
            self.fields["upload"].help_text = _(
                "Un nouveau fichier devient une nouvelle version; les précédentes restent téléchargeables.")

    @staticmethod
    def initial_from(resource) -> dict:
        return {"name_fr": resource.name_fr, "name_en": resource.name_en,
                "description_fr": resource.description_fr, "description_en": resource.description_en,
                "url": resource.url if resource.kind == "link" else "", "format": resource.format}

    def clean(self):
        cleaned = super().clean()
        upload, url = cleaned.get("upload"), (cleaned.get("url") or "").strip()
        keeps_file = self.editing is not None and self.editing.kind == "upload"
        if upload is None and not url and not keeps_file and "upload" not in self.errors:
            self.add_error("upload", _("Téléversez un fichier ou donnez l’adresse d’un lien."))
        if upload is not None and url:
            self.add_error("url", _("Choisissez : un fichier ou un lien, pas les deux."))
        return cleaned

    def to_data(self) -> dict:
        c = self.cleaned_data
        data = {f: c.get(f) or "" for f in ("name_fr", "name_en", "description_fr", "description_en", "format")}
        url = (c.get("url") or "").strip()
        if url:
            data["url"] = url
        return data


#: Service keys → form fields.
DATASET_ERROR_ALIASES = {"keywords": "keywords_fr", "owner_org": "organisation"}
RESOURCE_ERROR_ALIASES = {}
