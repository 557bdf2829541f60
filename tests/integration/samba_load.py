"""Bulk-load users into a provisioned Samba AD DC (run by Debian's /usr/bin/python3).

Usage: /usr/bin/python3 samba_load.py SMB_CONF USERS_JSON TRUTH_JSON

USERS_JSON: {"base": "DC=...", "ou": "People", "users": [{"cn", "sam", "upn", "mail",
"employee_id", "uac", "password"?}]}. All users are added in one transaction with the ldb option
`batch_mode:1` (as Samba's own provisioning does; without it each add gets slower). Users with a
"password" get it set afterwards (and are disabled again when their uac says so).
TRUTH_JSON receives, per sAMAccountName, the objectGUID and objectSid as Samba itself decodes them.
This file must not import authprobe: it runs under another Python.
"""

import json
import sys

from samba.auth import system_session
from samba.dcerpc import misc, security
from samba.ndr import ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB


def main(smb_conf, users_json, truth_json):
    with open(users_json, encoding="utf-8") as handle:
        spec = json.load(handle)
    lp = LoadParm()
    lp.load(smb_conf)
    samdb = SamDB(
        url=lp.private_path("sam.ldb"),
        session_info=system_session(),
        lp=lp,
        options=["batch_mode:1"],
    )
    base = spec["base"]
    ou_dn = "OU={},{}".format(spec["ou"], base)
    samdb.transaction_start()
    try:
        samdb.add({"dn": ou_dn, "objectClass": "organizationalUnit"})
        for user in spec["users"]:
            entry = {
                "dn": "CN={},{}".format(user["cn"], ou_dn),
                "objectClass": "user",
                "sAMAccountName": user["sam"],
                "userPrincipalName": user["upn"],
                "givenName": user["given"],
                "sn": user["sn"],
                "displayName": user["cn"],
                "userAccountControl": str(512 if user.get("password") else user["uac"]),
            }
            if user.get("mail"):
                entry["mail"] = user["mail"]
            if user.get("employee_id"):
                entry["employeeID"] = user["employee_id"]
            samdb.add(entry)
        samdb.transaction_commit()
    except Exception:
        samdb.transaction_cancel()
        raise
    for user in spec["users"]:
        if user.get("password"):
            samdb.setpassword(
                "(sAMAccountName={})".format(user["sam"]),
                user["password"],
                force_change_at_next_login=False,
            )
            if user["uac"] & 2:
                samdb.disable_account("(sAMAccountName={})".format(user["sam"]))
    truth = {}
    for message in samdb.search(
        ou_dn, expression="(objectClass=user)", attrs=["sAMAccountName", "objectGUID", "objectSid"]
    ):
        sam = str(message["sAMAccountName"][0])
        truth[sam] = {
            "dn": str(message.dn),
            "guid": str(ndr_unpack(misc.GUID, message["objectGUID"][0])),
            "sid": str(ndr_unpack(security.dom_sid, message["objectSid"][0])),
        }
    with open(truth_json, "w", encoding="utf-8") as handle:
        json.dump(truth, handle)


if __name__ == "__main__":
    main(*sys.argv[1:4])
