"""Limits shared by the loader and the CLI (kept free of heavy imports for a fast start-up)."""

DEFAULT_MAX_PIXELS = 150_000_000  # 150 megapixels: about 0.5 GB as RGB; 0 disables the guard
