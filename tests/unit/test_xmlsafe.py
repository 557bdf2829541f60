"""The hardened XML parser refuses DTDs, entities and broken documents with a clear error."""

from __future__ import annotations

import io

import pytest

from authprobe import xmlsafe
from authprobe.errors import ExitCode, InputError, UnsafeInputError

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<users><user><primary_id>&lol3;</primary_id></user></users>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE users [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<users><user><primary_id>&xxe;</primary_id></user></users>
"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_dtd_is_refused_when_parsing_whole_documents(document: bytes) -> None:
    """parse_bytes refuses a DOCTYPE with exit code 4 and the line of the DOCTYPE."""
    with pytest.raises(UnsafeInputError) as caught:
        xmlsafe.parse_bytes(document, "evil.xml")
    assert caught.value.exit_code == ExitCode.UNREADABLE
    assert caught.value.location == "evil.xml:2"
    assert "DTD" in caught.value.message


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_dtd_is_refused_when_streaming(document: bytes) -> None:
    """iterparse refuses a DOCTYPE before reading any element."""
    with pytest.raises(UnsafeInputError):
        list(xmlsafe.iterparse(io.BytesIO(document), "evil.xml", tag="user"))


def test_utf16_dtd_is_refused() -> None:
    """A DOCTYPE hidden in a UTF-16 document is found too."""
    with pytest.raises(UnsafeInputError):
        xmlsafe.parse_bytes(XXE.decode().encode("utf-16"), "evil16.xml")


def test_truncated_document_names_the_line() -> None:
    """A truncated file is an InputError naming file and line."""
    with pytest.raises(InputError) as caught:
        list(xmlsafe.iterparse(io.BytesIO(b"<users>\n<user>\n<primary_id>1"), "cut.xml"))
    assert caught.value.reference == "xml-malformed"
    assert caught.value.location is not None
    assert caught.value.location.startswith("cut.xml:")


def test_streaming_reads_past_the_peeked_prolog() -> None:
    """Documents larger than the prolog peek stream completely."""
    users = b"".join(b"<user><primary_id>%d</primary_id></user>" % i for i in range(20000))
    document = b"<users>" + users + b"</users>"
    assert len(document) > xmlsafe.PROLOG_PEEK
    count = 0
    for _, element in xmlsafe.iterparse(io.BytesIO(document), "big.xml", tag="user"):
        count += 1
        element.clear()
    assert count == 20000


def test_entity_reference_without_dtd_is_not_expanded() -> None:
    """An undeclared entity is a syntax error, not an expansion."""
    with pytest.raises(InputError):
        xmlsafe.parse_bytes(b"<a>&ext;</a>", "a.xml")


def test_truncated_entity_descriptor_is_malformed_not_unsafe() -> None:
    """A truncated <EntityDescriptor> is plain malformed XML, not an entity attack."""
    with pytest.raises(InputError) as caught:
        xmlsafe.parse_bytes(b"<EntityDescriptor entityID='x'><IDPSSODescriptor>", "md.xml")
    assert caught.value.reference == "xml-malformed"
    assert not isinstance(caught.value, UnsafeInputError)
