"""A real Active Directory for the tests: a Samba AD DC provisioned into a temp dir, loopback only.

Recipe (see ../shared/notes/samba-ad.md): provision with an empty smb.conf, rewrite [global] so
everything stays in the directory and on 127.0.0.1, use our own CA and server certificate (SAN +
AKI, accepted by strict TLS stacks), bulk-load users with Samba's Python bindings under
/usr/bin/python3 in one `batch_mode` transaction, start `samba -D` and stop it by its PID.
Ports 389/636 are fixed by Samba.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.integration.certs import ServerCert, make_server_cert

REALM = "COLLEGE.TEST"
DOMAIN = "COLLEGE"
BASE = "DC=college,DC=test"
HOST = "dc1.college.test"
ADMIN_PASSWORD = "Adm1n-Secret-42!"
SERVICE_PASSWORD = "Svc-Reader-Pass-7!"
LOADER = Path(__file__).with_name("samba_load.py")
SYSTEM_PYTHON = "/usr/bin/python3"


class SambaUnavailable(RuntimeError):
    """Samba is not installed or the DC did not start."""


@dataclass(frozen=True)
class AdUser:
    """One generated AD user (known truth)."""

    cn: str
    sam: str
    upn: str
    given: str
    sn: str
    mail: str | None
    employee_id: str | None
    disabled: bool
    password: str | None = None


@dataclass
class SambaDc:
    """A running Samba AD DC."""

    directory: Path
    certs: ServerCert
    users: list[AdUser]
    truth: dict[str, dict[str, str]]
    host: str = "127.0.0.1"
    base: str = BASE
    ou: str = f"OU=People,{BASE}"
    admin_upn: str = f"Administrator@{REALM.lower()}"
    admin_password: str = ADMIN_PASSWORD
    service_upn: str = f"svc-reader@{REALM.lower()}"
    service_password: str = SERVICE_PASSWORD
    tls_name: str = HOST

    @property
    def ldap_url(self) -> str:
        return f"ldap://{self.host}:389"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://{self.host}:636"

    def pid(self) -> int | None:
        path = self.directory / "run" / "samba.pid"
        try:
            return int(path.read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        """SIGTERM the process-group leader Samba wrote to its PID file; wait until it is gone."""
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)


def generate_users(count: int, *, seed: int = 11) -> list[AdUser]:
    """`count` users: every 10th disabled, every 50th without employeeID, employee IDs with
    leading zeros, and users 98, 198, ... sharing their employeeID with the previous user."""
    rng = random.Random(seed)
    given_names = ["Amira", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gabe", "Hana", "Ivan"]
    surnames = ["Ahmed", "Brown", "Côté", "Dubois", "Evans", "Fraser", "Gill", "Hughes"]
    users = []
    for i in range(count):
        given, sn = rng.choice(given_names), rng.choice(surnames)
        sam = f"s{i:05d}"
        employee = f"{i:08d}"
        if i % 100 == 98:
            employee = f"{i - 1:08d}"  # planted duplicate
        users.append(
            AdUser(
                cn=f"{given} {sn} {i}",
                sam=sam,
                upn=f"{sam}@{REALM.lower()}",
                given=given,
                sn=sn,
                mail=f"{given.lower()}.{i}@college.test",
                employee_id=None if i % 50 == 49 else employee,
                disabled=i % 10 == 3,
            )
        )
    users.append(
        AdUser("svc reader", "svc-reader", f"svc-reader@{REALM.lower()}", "Svc", "Reader", None,
               None, False, SERVICE_PASSWORD)
    )  # fmt: skip
    users.append(
        AdUser("svc disabled", "svc-disabled", f"svc-disabled@{REALM.lower()}", "Svc", "Off", None,
               None, True, SERVICE_PASSWORD)
    )  # fmt: skip
    return users


def _run(argv: list[str], what: str, timeout: float = 180) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise SambaUnavailable(f"{what} failed: {(done.stdout + done.stderr)[-3000:]}")


def _port_busy(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def start_samba(directory: Path, users: list[AdUser], *, host: str = "127.0.0.1") -> SambaDc:
    """Provision, load `users`, start the DC, wait until LDAPS answers."""
    for tool in ("samba", "samba-tool"):
        if shutil.which(tool) is None:
            raise SambaUnavailable(f"{tool} is not installed")
    if not Path(SYSTEM_PYTHON).exists():
        raise SambaUnavailable("/usr/bin/python3 (with Samba's bindings) is missing")
    for port in (389, 636):
        if _port_busy(host, port):
            raise SambaUnavailable(f"{host}:{port} is already in use")
    etc = directory / "etc"
    etc.mkdir(parents=True)
    conf = etc / "smb.conf"
    conf.write_text("")
    _run(
        [
            "samba-tool", "domain", "provision", "-s", str(conf), f"--targetdir={directory}",
            f"--realm={REALM}", f"--domain={DOMAIN}", "--host-name=dc1", "--server-role=dc",
            "--use-rfc2307", "--dns-backend=NONE", f"--adminpass={ADMIN_PASSWORD}",
        ],
        "samba-tool domain provision",
    )  # fmt: skip
    certs = make_server_cert(directory / "tls", [HOST, "dc1"], ip=host, label="samba")
    for sub in ("run", "run/ncalrpc", "log"):
        (directory / sub).mkdir(exist_ok=True)
    extra = [
        f"interfaces = {host}",
        "bind interfaces only = yes",
        "server services = ldap, cldap, kdc, rpc",
        f"pid directory = {directory}/run",
        f"ncalrpc dir = {directory}/run/ncalrpc",
        f"log file = {directory}/log/samba.log",
        "prefork children = 2",
        "ldap server require strong auth = allow_sasl_over_tls",
        "tls enabled = yes",
        f"tls keyfile = {certs.key_file}",
        f"tls certfile = {certs.cert_file}",
        f"tls cafile = {certs.ca_file}",
    ]
    provisioned = [line for line in conf.read_text().splitlines() if "server services" not in line]
    text = "\n".join(provisioned).replace("[global]", "[global]\n\t" + "\n\t".join(extra), 1)
    conf.write_text(text)
    spec = {
        "base": BASE,
        "ou": "People",
        "users": [
            {
                "cn": u.cn, "sam": u.sam, "upn": u.upn, "given": u.given, "sn": u.sn,
                "mail": u.mail, "employee_id": u.employee_id, "uac": 514 if u.disabled else 512,
                "password": u.password,
            }
            for u in users
        ],
    }  # fmt: skip
    users_json = directory / "users.json"
    users_json.write_text(json.dumps(spec))
    truth_json = directory / "truth.json"
    _run([SYSTEM_PYTHON, str(LOADER), str(conf), str(users_json), str(truth_json)], "user load")
    truth = json.loads(truth_json.read_text())
    _run(["samba", "-s", str(conf), "-D", "-M", "prefork", "--maximum-runtime=3600"], "samba start")
    dc = SambaDc(directory=directory, certs=certs, users=users, truth=truth, host=host)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _port_busy(host, 636) and _port_busy(host, 389):
            time.sleep(0.5)
            return dc
        time.sleep(0.2)
    dc.stop()
    log = directory / "log" / "samba.log"
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise SambaUnavailable(f"samba did not listen on {host}:636 within 60 s: {tail}")
