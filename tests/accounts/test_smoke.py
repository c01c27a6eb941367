import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_page_offers_to_find_a_time(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Find a time" in response.content.decode()
