"""The software demo's accounts sign in with the demo password, like the other modules' demo accounts."""

import pytest
from django.contrib.auth import get_user_model

from ouvert.software import demo

pytestmark = pytest.mark.django_db


def test_the_demo_accounts_get_the_demo_password_once():
    assert demo.accounts() == 2
    users = get_user_model().objects.filter(email__in=[email for email, _ in demo.ACCOUNTS])
    assert users.count() == 2 and all(user.check_password(demo.DEMO_PASSWORD) for user in users)
    changed = users.first()
    changed.set_password("Un-autre-mot-de-passe-42")
    changed.save()
    assert demo.accounts() == 0  # a second run changes nothing, not even a changed password
    changed.refresh_from_db()
    assert changed.check_password("Un-autre-mot-de-passe-42")
