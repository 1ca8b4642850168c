"""VP-JNDnet: config, network, weights I/O, device choice, patching and batched inference.

Everything here except ``locate`` and ``peak`` imports torch: the CLI imports these modules lazily, inside the
command that needs the network. This ``__init__`` imports nothing so that ``vpjnd_cli.model.locate``
(finding the weights file, exit 3 when absent) stays cheap.
"""
