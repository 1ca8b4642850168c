"""One module per CLI command. Modules import only typer and the standard library at the top,
so that registering them keeps `vpjnd --help` fast; heavy work is imported inside the commands."""
