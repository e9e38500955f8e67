"""``python -m app`` — the same as the ``deskready`` command."""

from deskready.cli.main import main

main()
