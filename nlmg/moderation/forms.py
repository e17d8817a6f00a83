from django import forms

from nlmg.spoilers.forms import ScopeField

from .models import Flag


class FlagForm(forms.Form):
    reason = forms.ChoiceField(choices=Flag.Reason.choices, widget=forms.RadioSelect)

    def __init__(self, *args, target, **kwargs):
        super().__init__(*args, **kwargs)
        extra = getattr(target, "moderation_flag_reasons", lambda: [])()
        self.fields["reason"].choices = [
            (key, label)
            for key, label in Flag.Reason.choices
            if key not in Flag.OPTIONAL_REASONS or key in extra
        ]

    note = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: anything the moderators should know.",
    )


class ObjectActionForm(forms.Form):
    """One moderator action on an object the page already names: the generic ones, and any
    its kind registers (lock, move, set_scope...), checked against the kind when it runs."""

    action = forms.SlugField(max_length=30)
    reason = forms.CharField(max_length=500, required=False)
    value = forms.CharField(max_length=300, required=False)
    scope = ScopeField(label="Scope")  # "Set the scope" with one select per work
    report = forms.IntegerField(required=False, widget=forms.HiddenInput)
    days = forms.IntegerField(min_value=1, max_value=365, required=False, initial=7)


class ActionForm(ObjectActionForm):
    """The same, naming the object (the queue's forms)."""

    content_type = forms.IntegerField(widget=forms.HiddenInput)
    object_id = forms.IntegerField(widget=forms.HiddenInput)


class SuspendForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="The member sees this.")
    days = forms.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        initial=7,
        help_text="Leave empty with “ban” ticked for a permanent ban (admins only).",
    )
    ban = forms.BooleanField(required=False, label="Ban permanently")

    def clean(self):
        data = super().clean()
        if not data.get("ban") and not data.get("days"):
            raise forms.ValidationError("Give a number of days, or tick ban.")
        return data
