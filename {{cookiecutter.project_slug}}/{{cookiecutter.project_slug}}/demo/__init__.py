"""A page to try the web sign-in flow in a browser: see views.py and the README."""
