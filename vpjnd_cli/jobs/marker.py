"""The vpjnd marker: an XMP property that says a file was written by vpjnd.

Every output codec stores an XMP packet as plain UTF-8 (JPEG APP1, a WebP ``XMP`` chunk, an
AVIF/HEIF ``mime`` item, a BPG XMP extension record), so one marker serves them all, survives
tools that keep XMP, and is found by a byte search without decoding the picture. The marker is
an ``rdf:Description`` in the namespace below with the vpjnd version and the settings the file
was made with (codec, judge, weights, SUR, ...); nothing time-dependent, so the same input and
settings give the same bytes. A rerun compares those settings with its own (``changed_settings``)
to tell an output it can skip from one it must redo.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from xml.sax.saxutils import quoteattr, unescape

from vpjnd_cli import __version__
from vpjnd_cli.imageio.metadata import Metadata

NAMESPACE = "http://ns.vpjnd.org/xmp/1.0/"
PREFIX = "vpjnd"
_NAMESPACE_BYTES = NAMESPACE.encode()
_VERSION = re.compile(rb"vpjnd:version(?:=[\"']|>)([^\"'<]{1,40})")
_RDF_OPEN = re.compile(rb"<rdf:RDF\b[^>]*>")
_SETTING = re.compile(rb"vpjnd:(\w+)=(?:\"([^\"]*)\"|'([^']*)')|<vpjnd:(\w+)>([^<]*)</vpjnd:\4>")
# Settings that markers of earlier versions do not record, and the value those versions used.
# A setting absent from both sides (no --level, no weights for pjnd) compares as "".
_UNRECORDED = {"criterion": "paper", "chroma": "420", "jnd_model": "epc", "search": "block", "block_size": "8",
               "metadata": "exif,icc,xmp"}
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


def marker_settings(data: bytes) -> dict[str, str] | None:
    """The settings a marker in these file bytes records (``version`` included), or None when unmarked."""
    if _NAMESPACE_BYTES not in data:
        return None
    found: dict[str, str] = {}
    for match in _SETTING.finditer(data):
        key = (match.group(1) or match.group(4)).decode("ascii")
        value = next(v for v in (match.group(2), match.group(3), match.group(5)) if v is not None)
        found.setdefault(key, unescape(value.decode("utf-8", "replace"), {"&quot;": '"'}))
    return found


def changed_settings(recorded: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """The settings (not the version) that differ, each as "sur 0.9 (was 0.75)"; empty: the same."""
    changes = []
    for key in dict.fromkeys([*current, *recorded]):
        if key == "version":
            continue
        was, now = (side.get(key, _UNRECORDED.get(key, "")) for side in (recorded, current))
        if was != now:
            changes.append(f"{key.replace('_', ' ')} {now or 'none'} (was {was or 'none'})")
    return changes


def with_marker(metadata: Metadata, settings: Mapping[str, str]) -> Metadata:
    """``metadata`` whose XMP carries the marker with ``settings`` (a packet of its own when there was none).

    A marker already in the packet (an input vpjnd wrote, redone with --force) is replaced.
    A packet without an ``rdf:RDF`` element is not valid XMP: it is kept as it is, unmarked.
    """
    fields = {"version": __version__, **settings}
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
