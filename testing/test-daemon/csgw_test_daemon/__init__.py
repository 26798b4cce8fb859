"""A tiny daemon for testing the daemon kit (runtime/daemon): see __main__.py."""
