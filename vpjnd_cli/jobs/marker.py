"""The vpjnd marker: an XMP property that says a file was written by vpjnd.

Every output codec stores an XMP packet as plain UTF-8 (JPEG APP1, a WebP ``XMP`` chunk, an
AVIF/HEIF ``mime`` item, a BPG XMP extension record), so one marker serves them all, survives
tools that keep XMP, and is found by a byte search without decoding the picture. The marker is
an ``rdf:Description`` in the namespace below with the vpjnd version, the codec, the judge and
the SUR target; nothing time-dependent, so the same input and settings give the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from xml.sax.saxutils import quoteattr

from vpjnd_cli import __version__
from vpjnd_cli.imageio.metadata import Metadata

NAMESPACE = "http://ns.vpjnd.org/xmp/1.0/"
PREFIX = "vpjnd"
_NAMESPACE_BYTES = NAMESPACE.encode()
_VERSION = re.compile(rb"vpjnd:version(?:=[\"']|>)([^\"'<]{1,40})")
_RDF_OPEN = re.compile(rb"<rdf:RDF\b[^>]*>")
# Our properties as attributes or elements, wherever a tool that rewrote the packet put them.
_OUR_PROPERTIES = (
    re.compile(rb"\s+vpjnd:\w+=(?:\"[^\"]*\"|'[^']*')"),
    re.compile(rb"\s*<vpjnd:(\w+)>[^<]*</vpjnd:\1>"),
    re.compile(rb'\s*<rdf:Description rdf:about=""\s+xmlns:vpjnd="' + re.escape(_NAMESPACE_BYTES) + rb'"\s*/>'),
)
_EMPTY_PACKET = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
    b' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    b" </rdf:RDF>\n"
    b"</x:xmpmeta>\n"
    b'<?xpacket end="w"?>'
)


def marker_version(data: bytes) -> str | None:
    """The vpjnd version that marked these file bytes, "unknown" if it cannot be read, or None."""
    if _NAMESPACE_BYTES not in data:
        return None
    found = _VERSION.search(data)
    return found.group(1).decode("utf-8", "replace") if found else "unknown"


def with_marker(metadata: Metadata, *, codec: str, judge: str, sur: float) -> Metadata:
    """``metadata`` whose XMP carries the marker (a packet of its own when there was none).

    A marker already in the packet (an input vpjnd wrote, redone with --force) is replaced.
    A packet without an ``rdf:RDF`` element is not valid XMP: it is kept as it is, unmarked.
    """
    fields = {"version": __version__, "codec": codec, "judge": judge, "sur": f"{sur:g}"}
    attributes = "".join(f"\n    {PREFIX}:{key}={quoteattr(value)}" for key, value in fields.items())
    description = (
        f'\n  <rdf:Description rdf:about=""\n    xmlns:{PREFIX}="{NAMESPACE}"{attributes}/>'
    ).encode()
    packet = metadata.xmp or _EMPTY_PACKET
    for pattern in _OUR_PROPERTIES:
        packet = pattern.sub(b"", packet)
    opening = _RDF_OPEN.search(packet)
    if opening is None:
        return metadata
    return replace(metadata, xmp=packet[: opening.end()] + description + packet[opening.end() :])
