"""Reading pictures and writing outputs, shared by every command."""

from vpjnd_cli.imageio.load import (
    DEFAULT_MAX_PIXELS,
    SUPPORTED_LIST,
    LoadedImage,
    load_image,
    read_file,
)
from vpjnd_cli.imageio.metadata import Metadata
from vpjnd_cli.imageio.write import check_output_path, write_atomic

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "SUPPORTED_LIST",
    "LoadedImage",
    "Metadata",
    "check_output_path",
    "load_image",
    "read_file",
    "write_atomic",
]
