"""Scoring knows Graph's attribute names: Entra IDs are immutable, Entra mail values mail-like."""

from __future__ import annotations

import pytest

from authprobe.analysis.scoring import stability
from authprobe.model import Correspondence


def _pair(attribute: str) -> Correspondence:
    return Correspondence(
        sis_field="identifier:X",
        directory_attribute=attribute,
        normalisation=(),
        matched=1,
        sis_records=1,
        sis_coverage=1.0,
        directory_matched=1,
        directory_records=1,
        directory_coverage=1.0,
        steps=(),
        populations=(),
        sis_ambiguous=0,
        directory_ambiguous=0,
        directory_multi_valued=0,
    )


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("id", 1.0),  # Entra's object ID
        ("onPremisesImmutableId", 1.0),
        ("onPremisesImmutableId;objectGUID", 1.0),  # the decoded form
        ("objectGUID;immutableId", 1.0),  # AD's base64 form: an immutable ID too
        ("onPremisesSecurityIdentifier", 1.0),
        ("employeeId", 0.9),  # an assigned number, as AD's employeeID
        ("userPrincipalName", 0.2),
        ("proxyAddresses", 0.2),
        ("otherMails", 0.2),
        ("onPremisesUserPrincipalName", 0.2),
        ("onPremisesSamAccountName", 0.7),  # a username: name-derived only if the data says so
        ("onPremisesExtensionAttributes.extensionAttribute1", 0.7),
    ],
)
def test_stability_of_graph_names(attribute: str, value: float) -> None:
    """Each Graph attribute gets the stability of its AD counterpart."""
    assert stability(_pair(attribute))[0] == value
