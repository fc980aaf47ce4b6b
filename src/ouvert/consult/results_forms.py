"""Forms of the results part: the report's French and English Markdown, the satisfaction survey and a
suggestion, checked again by the services (the views read them to show errors beside each field)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ReportForm(forms.Form):
    body_fr = forms.CharField(label=_("Rapport en français (Markdown)"), max_length=200000,
                              widget=forms.Textarea(attrs={"rows": 22}))
    body_en = forms.CharField(label=_("Rapport en anglais (Markdown)"), max_length=200000, required=False,
                              widget=forms.Textarea(attrs={"rows": 12, "lang": "en"}))


class SatisfactionForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Note"), choices=[(n, str(n)) for n in range(1, 6)], coerce=int)
    comment = forms.CharField(label=_("Commentaire"), max_length=3000, required=False, widget=forms.Textarea)


class SuggestionForm(forms.Form):
    body = forms.CharField(label=_("Votre suggestion"), min_length=10, max_length=5000, widget=forms.Textarea)
    email = forms.EmailField(label=_("Votre courriel"), required=False)
    process = forms.SlugField(label=_("Consultation"), required=False)
    is_public = forms.BooleanField(label=_("Publier ma suggestion et sa réponse"), required=False)
