"""vpjnd: perceptually lossless image compression (VP-JND)."""
__version__ = "0.1.0"
