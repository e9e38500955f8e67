"""The headless front-end: ``deskready`` on the command line."""
