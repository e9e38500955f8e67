"""The frozen app's entry point: exactly what the ``deskready`` console script runs."""

from app.cli.main import main

if __name__ == "__main__":
    main()
