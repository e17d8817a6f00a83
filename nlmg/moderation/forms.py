from django import forms

from .models import Flag


class FlagForm(forms.Form):
    reason = forms.ChoiceField(choices=Flag.Reason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: anything the moderators should know.",
    )


class ActionForm(forms.Form):
    ACTIONS = [
        ("dismiss", "Dismiss the flags"),
        ("hide", "Hide the content"),
        ("hide_warn", "Hide and warn the author"),
        ("suspend", "Suspend the author"),
        ("restore", "Restore hidden content"),
    ]
    content_type = forms.IntegerField(widget=forms.HiddenInput)
    object_id = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=ACTIONS)
    reason = forms.CharField(max_length=500, required=False)
    days = forms.IntegerField(min_value=1, max_value=365, required=False, initial=7)


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
