"""Small builders for test objects."""

from itertools import count

from django.contrib.auth import get_user_model

_numbers = count(1)


def make_user(*, username=None, password="a-long-test-passphrase-42", **fields):
    username = username or f"member{next(_numbers)}"
    fields.setdefault("email", f"{username}@example.org")
    user = get_user_model().objects.create_user(username=username, password=password, **fields)
    return user
