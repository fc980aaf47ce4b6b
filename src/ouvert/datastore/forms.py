"""Forms of the datastore's pages: the chart builder, saving a visualisation, the data dictionary.

Labels and help in French (translated); the templates link help and errors to their inputs
(``core.forms.describe_fields``).
"""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from . import charts
from .visualisations import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH

#: The builder's fields carry this prefix in the page's address (``g-type``, ``g-x``…), apart from the
#: table's parameters.
CHART_PREFIX = "g"


class ChartForm(forms.Form):
    """The chart builder. Column choices are the table's; what fits which chart is ``charts``' rule."""

    type = forms.ChoiceField(label=_("Type de graphique"))
    x = forms.ChoiceField(label=_("Axe horizontal (x)"), required=False,
                          help_text=_("Pour une carte, les colonnes de latitude et de longitude sont prises."))
    aggregate = forms.ChoiceField(label=_("Mesure"), required=False,
                                  choices=[(key, label) for key, label in charts.AGGREGATE_LABELS.items()])
    y = forms.ChoiceField(label=_("Axe vertical (y)"), required=False,
                          help_text=_("Une colonne de nombres : sa somme, sa moyenne, son minimum ou son maximum "
                                      "par valeur de x (pour un nuage de points, chaque ligne)."))
    color = forms.ChoiceField(label=_("Couleur selon"), required=False)
    time_unit = forms.ChoiceField(label=_("Regrouper les dates par"), required=False,
                                  choices=[(key, label) for key, label in charts.TIME_UNIT_LABELS.items()])
    bins = forms.IntegerField(label=_("Classes de l’histogramme"), required=False, min_value=charts.MIN_BINS,
                              max_value=charts.MAX_BINS, initial=charts.DEFAULT_BINS)

    def __init__(self, *args, columns: list[dict], **kwargs):
        kwargs.setdefault("prefix", CHART_PREFIX)
        super().__init__(*args, **kwargs)
        self.columns = columns
        self.fields["type"].choices = [(key, charts.CHART_TYPE_LABELS[key]) for key in charts.chart_types(columns)]
        names = [(c["name"], c["name"]) for c in columns]
        numbers = [(c["name"], c["name"]) for c in columns if c["type"] in charts.NUMERIC]
        self.fields["x"].choices = [("", _("— choisir —"))] + names
        self.fields["y"].choices = [("", _("— aucune (nombre de lignes) —"))] + numbers
        self.fields["color"].choices = [("", _("— aucune —"))] + names

    def params(self) -> charts.ChartParams:
        """The checked parameters (raises ``ValidationError`` keyed by field, as ``charts.parse_params``)."""
        data = dict(self.cleaned_data)
        data["bins"] = "" if data.get("bins") in (None, "") else str(data["bins"])
        return charts.parse_params(data, self.columns)

    @classmethod
    def initial_from(cls, params: charts.ChartParams) -> dict:
        return {"type": params.type, "x": params.x, "y": params.y, "aggregate": params.aggregate,
                "color": params.color, "time_unit": params.time_unit, "bins": params.bins}


class VisualisationForm(forms.Form):
    """Name a chart to save it (the builder's choices and the table's filters come as hidden JSON)."""

    title_fr = forms.CharField(label=_("Titre (français)"), max_length=TITLE_MAX_LENGTH)
    title_en = forms.CharField(label=_("Titre (anglais)"), max_length=TITLE_MAX_LENGTH, required=False)
    description_fr = forms.CharField(label=_("Description (français)"), required=False,
                                     max_length=DESCRIPTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text=_("Ce que montre le graphique : elle accompagne le graphique comme "
                                                 "texte de remplacement."))
    description_en = forms.CharField(label=_("Description (anglais)"), required=False,
                                     max_length=DESCRIPTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    chart = forms.CharField(widget=forms.HiddenInput, required=False)
    view = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, with_chart: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_chart = with_chart
        if not with_chart:
            del self.fields["chart"]
            del self.fields["view"]

    @staticmethod
    def _json(value, field):
        if not value:
            return {}
        try:
            data = json.loads(value)
        except ValueError:
            raise forms.ValidationError(_("Paramètres illisibles : reconstruisez le graphique."), code="json") from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("Paramètres illisibles : reconstruisez le graphique."), code="json")
        return data

    def clean_chart(self):
        return self._json(self.cleaned_data.get("chart"), "chart")

    def clean_view(self):
        return self._json(self.cleaned_data.get("view"), "view")

    def to_data(self) -> dict:
        keys = ["title_fr", "title_en", "description_fr", "description_en"]
        if self.with_chart:
            keys += ["chart", "view"]
        return {key: self.cleaned_data.get(key) for key in keys}


class DictionaryForm(forms.Form):
    """The data dictionary: a description in French and in English for each field."""

    def __init__(self, *args, fields: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.dictionary = fields
        for index, item in enumerate(fields):
            for lang, label in (("fr", _("Description (français)")), ("en", _("Description (anglais)"))):
                self.fields[f"{lang}_{index}"] = forms.CharField(
                    label=label, required=False, max_length=2000, initial=item.get(f"description_{lang}", ""),
                    widget=forms.Textarea(attrs={"rows": 2}))

    def rows(self):
        """``(field, French bound field, English bound field)`` for the template."""
        return [(item, self[f"fr_{index}"], self[f"en_{index}"]) for index, item in enumerate(self.dictionary)]

    def descriptions(self) -> dict[str, dict]:
        return {item["name"]: {"fr": self.cleaned_data.get(f"fr_{index}", "").strip(),
                               "en": self.cleaned_data.get(f"en_{index}", "").strip()}
                for index, item in enumerate(self.dictionary)}
