"""``python -m app`` — the same as the ``deskready`` command."""

from app.cli.main import main

main()
