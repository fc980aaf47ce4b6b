from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TEXT_MAX_LENGTH, Status, Strand


class OverviewFilterForm(forms.Form):
    """The GET filters of the overview table (validated again by ``MilestoneFilters.parse``)."""

    strand = forms.ChoiceField(label=_("Volet"), required=False,
                               choices=[("", _("Tous les volets")), *Strand.choices])
    lead = forms.ChoiceField(label=_("Organisme responsable"), required=False, choices=[])
    status = forms.ChoiceField(label=_("État d'avancement"), required=False,
                               choices=[("", _("Tous les états")), *Status.choices])
    late = forms.ChoiceField(label=_("Échéance"), required=False, choices=[
        ("", _("Tous les jalons")), ("true", _("En retard seulement")), ("false", _("Pas en retard"))])

    def __init__(self, *args, lead_options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].choices = [("", _("Tous les organismes")),
                                       *[(org.slug, org.label) for org in lead_options]]


class ProgressUpdateForm(forms.Form):
    """Report progress on a milestone (respondents of the lead body, admins)."""

    status = forms.ChoiceField(label=_("Nouvel état d'avancement"), choices=Status.choices)
    text_fr = forms.CharField(label=_("Compte rendu (français)"), widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=TEXT_MAX_LENGTH)
    text_en = forms.CharField(label=_("Compte rendu (anglais)"), widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=TEXT_MAX_LENGTH, required=False)
    evidence = forms.CharField(
        label=_("Liens de preuve"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        max_length=20 * 510,
        help_text=_("Une adresse http(s) par ligne ; un libellé peut suivre après une espace."))

    def evidence_list(self) -> list[dict]:
        links = []
        for line in (self.cleaned_data.get("evidence") or "").splitlines():
            line = line.strip()
            if line:
                url, _sep, label = line.partition(" ")
                links.append({"url": url, "label": label.strip()})
        return links
