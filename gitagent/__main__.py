"""`python -m gitagent` runs the command line."""

from gitagent.cli.app import main

main()
