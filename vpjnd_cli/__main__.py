"""`python -m vpjnd_cli` is the same as `vpjnd`."""

from vpjnd_cli.cli import main

main()
