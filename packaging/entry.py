"""The frozen app's entry point: exactly what the ``deskready`` console script runs."""

from deskready.cli.main import main

if __name__ == "__main__":
    main()
