"""`python -m teamhub` runs the command line."""

from teamhub.cli import main

main()
