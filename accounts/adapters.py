from allauth.account.adapter import DefaultAccountAdapter
from django import forms

from accounts.models import RESERVED_USERNAMES


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username, shallow=False):
        if username.lower() in RESERVED_USERNAMES:
            raise forms.ValidationError("That username is reserved. Please choose another.")
        return super().clean_username(username, shallow=shallow)
