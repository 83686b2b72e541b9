"""{{ cookiecutter.project_name }}: project code. Add your Django apps inside this package."""
