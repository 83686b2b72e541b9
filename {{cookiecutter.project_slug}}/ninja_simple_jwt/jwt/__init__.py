"""The library's import paths, kept so its documentation applies as written."""
