"""The project's user model.

Django advises a custom user model from the first migration: adding fields later is then a
plain migration instead of a painful switch. Add your fields here.
"""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A user who signs in with a username and password and receives JWTs."""
