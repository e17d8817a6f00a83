from django import forms

from .scope import Catalogue


class ProgressForm(forms.Form):
    """One select per work (value = a point key, or 0 for not started)."""

    def __init__(self, *args, catalogue: Catalogue, **kwargs):
        initial = kwargs.pop("initial", {}) or {}
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        for work in catalogue.works.values():
            choices = [("0", "Not started")] + [(p.key, p.label) for p in work.points]
            current = initial.get(work.key, 0)
            point = work.point(current)
            self.fields[work.key] = forms.ChoiceField(
                label=work.title,
                choices=choices,
                required=False,
                initial=point.key if point else "0",
            )

    def clean(self):
        data = super().clean()
        if self.data.get("everything") and self.data.get("nothing"):
            raise forms.ValidationError("Choose either everything or nothing, not both.")
        return data

    def chosen_progress(self) -> dict[str, int]:
        if self.data.get("everything"):
            return self.catalogue.everything()
        if self.data.get("nothing"):
            return {key: 0 for key in self.catalogue.works}
        progress = {}
        for key, work in self.catalogue.works.items():
            value = self.cleaned_data.get(key) or "0"
            progress[key] = 0 if value == "0" else work.aliases[value]
        return progress
