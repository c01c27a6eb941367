"""After sign-up she goes back where she came from, but never to another site."""

import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def sign_up(client, next_url):
    return client.post(
        f"{reverse('accounts:signup')}?{next_url}",
        {
            "first_name": "Maya",
            "last_name": "Okafor",
            "email": "maya@example.com",
            "password1": DEFAULT_PASSWORD,
            "password2": DEFAULT_PASSWORD,
        },
    )


@pytest.mark.parametrize(
    "next_url",
    [
        "next=https://evil.example/",
        "next=//evil.example/",
        "next=/%5Cevil.example/",
        "next=/%5C%5Cevil.example/",
        "next=javascript:alert(1)",
    ],
)
def test_sign_up_never_sends_her_to_another_site(client, next_url):
    response = sign_up(client, next_url)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")


def test_sign_up_returns_to_the_page_she_came_from(client):
    response = sign_up(client, "next=/book/clinic/camden/plan/")

    assert response["Location"] == "/book/clinic/camden/plan/"
