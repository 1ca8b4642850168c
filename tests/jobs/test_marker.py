"""The vpjnd marker: added to any XMP packet (or a new one), replaced rather than repeated, found by bytes,
and the settings it records compared with a rerun's."""

from __future__ import annotations

from vpjnd_cli import __version__
from vpjnd_cli.imageio.metadata import Metadata
from vpjnd_cli.jobs.marker import NAMESPACE, changed_settings, marker_settings, marker_version, with_marker

JPEG = {"codec": "jpeg", "judge": "pjnd", "sur": "0.75"}
USER_XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/png"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def test_a_packet_of_its_own_when_there_is_none():
    marked = with_marker(Metadata(exif=b"exif"), JPEG)
    assert marked.exif == b"exif"
    assert marker_version(marked.xmp) == __version__
    assert b'vpjnd:codec="jpeg"' in marked.xmp and b'vpjnd:sur="0.75"' in marked.xmp
    assert marker_version(USER_XMP) is None


def test_the_users_xmp_is_kept_and_a_marker_replaced_not_repeated():
    once = with_marker(Metadata(xmp=USER_XMP), JPEG)
    twice = with_marker(once, {"codec": "webp", "judge": "vpjndnet", "sur": "0.9"})
    assert b'dc:format="image/png"' in twice.xmp
    assert twice.xmp.count(NAMESPACE.encode()) == 1
    assert b'vpjnd:codec="webp"' in twice.xmp and b'vpjnd:codec="jpeg"' not in twice.xmp
    # The same marker as an element (a tool that rewrote the packet) is replaced too.
    rewritten = USER_XMP.replace(b"</rdf:RDF>", b'<rdf:Description rdf:about="" xmlns:vpjnd="' + NAMESPACE.encode()
                                 + b'"><vpjnd:version>0.0.1</vpjnd:version></rdf:Description></rdf:RDF>')
    assert marker_version(rewritten) == "0.0.1"
    assert b"0.0.1" not in with_marker(Metadata(xmp=rewritten), JPEG).xmp


def test_a_packet_that_is_not_xmp_is_left_alone():
    broken = Metadata(xmp=b"<not rdf/>")
    assert with_marker(broken, JPEG) == broken


def test_the_recorded_settings_are_read_back_and_compared():
    settings = {**JPEG, "weights": "vpjndnet-1a2b3c4d", "criterion": "paper", "note": 'a "quoted" <value>'}
    recorded = marker_settings(b"JPEG bytes" + with_marker(Metadata(), settings).xmp + b"more bytes")
    assert recorded == {"version": __version__, **settings}
    assert marker_settings(USER_XMP) is None
    assert changed_settings(recorded, settings) == []
    assert changed_settings(recorded, {**settings, "sur": "0.9"}) == ["sur 0.9 (was 0.75)"]
    assert changed_settings(recorded, {**settings, "weights": ""}) == ["weights none (was vpjndnet-1a2b3c4d)"]
    # A marker of an earlier version lacks the settings added since; it counts as their value then.
    old = marker_settings(with_marker(Metadata(), JPEG).xmp)
    assert changed_settings(old, {**JPEG, "criterion": "paper", "chroma": "420"}) == []
    assert changed_settings(old, {**JPEG, "criterion": "strict"}) == ["criterion strict (was paper)"]
    # ... and they searched by blocks of 8: redone by the spread search, kept by the same block search
    assert changed_settings(old, {**JPEG, "search": "spread"}) == ["search spread (was block)"]
    assert changed_settings(old, {**JPEG, "search": "block", "block_size": "8"}) == []
