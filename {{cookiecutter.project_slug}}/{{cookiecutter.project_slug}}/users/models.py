"""The project's user model.

Django advises a custom user model from the first migration: adding fields later is then a
plain migration instead of a painful switch. Add your fields here.
"""

{% if cookiecutter.login_field == "email" %}
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from .managers import UserManager


class User(AbstractUser):
    """A user who signs in with an e-mail address and password and receives JWTs.

    E-mail addresses are unique whatever their case, and sign-in matches them case-insensitively.
    """

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                Lower("email"), name="users_user_email_case_insensitive_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.email
{% else %}
from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A user who signs in with a username and password and receives JWTs."""
{% endif %}
