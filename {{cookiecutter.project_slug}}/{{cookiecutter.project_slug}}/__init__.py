"""Project code: add your Django apps inside this package."""
