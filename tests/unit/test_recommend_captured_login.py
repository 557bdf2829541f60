"""A captured login in `recommend`: it fills the IdP side, locates the released values and the
terminal shows what the IdP releases."""

from __future__ import annotations

from authprobe.analysis.recommend import Options
from authprobe.sources.saml.message import decode
from tests.helpers import rec
from tests.helpers import recommend_report as _report

RESPONSE = """<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="r1" Version="2.0"
 IssueInstant="2026-11-01T10:00:00Z" Destination="https://alma.example/sp">
 <saml:Issuer>https://idp.college.ca/idp</saml:Issuer>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
 <saml:Assertion ID="a1" Version="2.0" IssueInstant="2026-11-01T10:00:00Z">
  <saml:Issuer>https://idp.college.ca/idp</saml:Issuer>
  <saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
   >AbCdEf0123456789opaque</saml:NameID></saml:Subject>
  <saml:AttributeStatement>
   <saml:Attribute Name="urn:oasis:names:tc:SAML:2.0:attrname-format:uri:uid"
     FriendlyName="uid"><saml:AttributeValue>user0003x</saml:AttributeValue></saml:Attribute>
   <saml:Attribute Name="urn:oid:0.9.2342.19200300.100.1.3" FriendlyName="mail"
     NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
     <saml:AttributeValue>user0003x@college.edu</saml:AttributeValue></saml:Attribute>
  </saml:AttributeStatement>
 </saml:Assertion>
</samlp:Response>"""


def test_captured_login_fills_idp_source_and_locates_values() -> None:
    """A login that releases mail but not employeeNumber: mail gets its exact Name; the number
    gets a 'campus IT must release it' action; the persistent NameID is never the answer."""
    assertion = decode(RESPONSE.encode(), "login.xml")
    sis = [
        rec(f"s{i}", primary_id=f"{i + 700000}", email=f"user{i:04d}x@college.edu")
        for i in range(40)
    ]
    directory = [
        rec(
            f"d{i}",
            employeeNumber=f"{i + 700000}",
            mail=f"user{i:04d}x@college.edu",
            uid=f"user{i:04d}x",
        )
        for i in range(40)
    ]
    report = _report(sis, directory, Options(assertion=assertion))
    by_attribute = {c.correspondence.directory_attribute: c for c in report.candidates}
    mail = by_attribute["mail"]
    assert mail.idp_source == "urn:oid:0.9.2342.19200300.100.1.3"
    assert mail.idp is not None
    assert mail.idp.released
    number = by_attribute["employeeNumber"]
    assert number.idp is not None
    assert not number.idp.released
    assert "campus IT must add it" in number.idp.explanation
    assert report.recommendation is not None
    assert report.recommendation.idp_source != "NameID"
    where = {item.idp_source: item for item in report.released}
    # the mail value is held by mail, and (without its @scope) by uid, of the same one entry
    assert where["urn:oid:0.9.2342.19200300.100.1.3"].directory_attributes == ("mail", "uid")
    assert where["urn:oid:0.9.2342.19200300.100.1.3"].entries == 1
    assert where["NameID"].directory_attributes == ()


def test_terminal_shows_idp_release_and_released_values() -> None:
    """With a captured login the terminal lists each candidate's IdP status and idp_source,
    and where each released value lives (masked unless --show-values)."""
    import io

    from rich.console import Console

    from authprobe.cli.render import render_terminal

    assertion = decode(RESPONSE.encode(), "login.xml")
    sis = [
        rec(f"s{i}", primary_id=f"{i + 700000}", email=f"user{i:04d}x@college.edu")
        for i in range(40)
    ]
    directory = [
        rec(f"d{i}", employeeNumber=f"{i + 700000}", mail=f"user{i:04d}x@college.edu")
        for i in range(40)
    ]
    report = _report(sis, directory, Options(assertion=assertion))
    shown = {}
    for values in (False, True):
        console = Console(width=100, record=True, file=io.StringIO())
        render_terminal(report, console, show_values=values)
        shown[values] = console.export_text()
    text = shown[False]
    assert "IdP release per candidate" in text
    table = text.split("IdP release per candidate", 1)[1].split("Why the others lost", 1)[0]
    rows = {
        cells[2]: cells[3:5]
        for line in table.splitlines()
        if (cells := [c.strip() for c in line.split("│")]) and len(cells) > 5 and cells[1].isdigit()
    }
    assert rows["mail"] == ["released", "urn:oid:0.9.2342.19200300.100.1.3"]
    assert rows["employeeNumber"] == ["not released", "—"]
    assert "Values released in the captured login" in text
    assert "user0003x@college.edu" not in text
    assert "user0003x@college.edu" in shown[True]
    assert all(len(line) <= 100 for line in text.splitlines())
