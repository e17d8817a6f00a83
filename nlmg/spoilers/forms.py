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


class ScopeWidget(forms.Widget):
    """A spoiler scope chosen, not typed: one select per work ("—" or a point), like the
    progress picker. A scope typed in the field's own name ("novel:12 film:cottages") is
    accepted as well, for clients that post the syntax."""

    template_name = "widgets/scope.html"

    def works(self):
        return list(Catalogue.current().works.values())

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = self._chosen(value or "")
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        # A typed scope that does not parse is given back as typed, to correct.
        tokens = (value or "").replace(",", " ").split()
        context["widget"]["typed"] = value if len(tokens) != len(chosen) else ""
        context["widget"]["works"] = [
            {
                "name": f"{name}_{work.key}",
                "id": f"{base_id}_{work.key}",
                "title": work.short_title.capitalize(),
                "options": [("", "—")] + [(p.key, p.label) for p in work.points],
                "selected": chosen.get(work.key, ""),
            }
            for work in self.works()
        ]
        return context

    @staticmethod
    def _chosen(value: str) -> dict[str, str]:
        """{work key: point key} of a scope string (tokens that do not parse are left out)."""
        catalogue = Catalogue.current()
        chosen = {}
        for token in value.replace(",", " ").split():
            work_key, _, point_key = token.partition(":")
            work = catalogue.works.get(work_key.lower())
            position = work.aliases.get(point_key.lower()) if work else None
            if position:
                chosen[work.key] = work.point(position).key
        return chosen

    def value_from_datadict(self, data, files, name):
        if name in data:
            return data.get(name, "")
        return " ".join(
            f"{work.key}:{data[f'{name}_{work.key}']}"
            for work in self.works()
            if data.get(f"{name}_{work.key}")
        )

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(f"{name}_{w.key}" in data for w in self.works())

    def id_for_label(self, id_):
        return f"{id_}_{next(iter(Catalogue.current().works))}" if id_ else id_


class ScopeField(forms.CharField):
    """A scope field with one select per work (the form still cleans the string)."""

    widget = ScopeWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
