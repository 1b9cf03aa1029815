"""Domain errors are raised by services and views and answered by the one exception handler."""

import pytest
from django.http import Http404

from webapp.api.errors import exception_handler
from webapp.users import services
from webapp.users.errors import UserAlreadyExists, UserNotFound
from webapp.users.models import User


@pytest.mark.django_db
def test_creating_a_taken_dni_raises_user_already_exists():
    services.create_user(dni="taken", name="First")
    with pytest.raises(UserAlreadyExists):
        services.create_user(dni="taken", name="Second")
    assert list(User.objects.values_list("name", flat=True)) == ["First"]


def test_the_handler_answers_user_already_exists_with_the_original_400():
    response = exception_handler(UserAlreadyExists("taken"), {})
    assert response.status_code == 400
    assert response.data == {"detail": "User already exists"}


@pytest.mark.parametrize("exc", [UserNotFound(7), Http404()])
def test_the_handler_answers_a_missing_user_and_http404_with_the_same_404(exc):
    response = exception_handler(exc, {})
    assert response.status_code == 404
    assert response.data == {"detail": "Not found."}


def test_the_handler_leaves_other_exceptions_to_the_middleware():
    assert exception_handler(RuntimeError("unexpected"), {}) is None


@pytest.mark.django_db
def test_a_taken_dni_is_rendered_as_before_byte_for_byte(create):
    create(dni="same")
    response = create(dni="same")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == "GET, HEAD, POST"
    assert response.content == b'{"detail":"User already exists"}'


@pytest.mark.django_db
def test_a_taken_dni_is_indented_when_asked_for(api):
    body = {"dni": "same", "name": "Ada"}
    api.post("/api/users/", body, format="json")
    response = api.post(
        "/api/users/", body, format="json", HTTP_ACCEPT="application/json; indent=2"
    )
    assert response.status_code == 400
    assert response.content == b'{\n  "detail": "User already exists"\n}'


@pytest.mark.django_db
def test_a_missing_user_is_rendered_as_before_byte_for_byte(api):
    response = api.get("/api/users/999/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == "GET, HEAD"
    assert response.content == b'{"detail":"Not found."}'
