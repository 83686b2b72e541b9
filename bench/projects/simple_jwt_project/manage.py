"""The benchmark's minimal simple_jwt_project: manage.py, as Django's startproject writes it."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "simple_jwt_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
