"""A real OpenLDAP `slapd` for the tests: private config and data in a temp dir, loopback only.

`start_slapd()` writes a slapd.conf (mdb backend; core, cosine, inetorgperson, nis schemas from
/etc/ldap/schema and our own eduPerson schema), bulk-loads an LDIF with `slapadd -q`, starts slapd
on free 127.0.0.1 ports (plain and, with TLS, LDAPS with a CA generated here), waits until it
answers, and returns a handle that stops it (SIGTERM, wait).

The service account `cn=reader,<base>` is limited like Active Directory's MaxPageSize: a search
that is not paged returns at most `size_limit` entries; a paged search can read everything.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.certs import ServerCert, make_server_cert

SLAPD = os.environ.get("AUTHPROBE_SLAPD", "/usr/sbin/slapd")
SLAPADD = os.environ.get("AUTHPROBE_SLAPADD", "/usr/sbin/slapadd")
SCHEMA_DIR = Path("/etc/ldap/schema")
EDUPERSON_SCHEMA = Path(__file__).parent / "schema" / "eduperson.schema"
ADMIN_PASSWORD = "admin-secret"
READER_PASSWORD = "reader-secret"


class SlapdUnavailable(RuntimeError):
    """slapd is not installed or did not start (the fixture turns this into skip/fail)."""


@dataclass
class Slapd:
    """A running slapd and how to talk to it."""

    url: str
    base_dn: str
    admin_dn: str
    admin_password: str
    reader_dn: str
    reader_password: str
    directory: Path
    process: subprocess.Popen[bytes]
    ldaps_url: str | None = None
    certs: ServerCert | None = None
    port: int = 0
    tls_port: int | None = None
    log: Path = field(default_factory=Path)

    @property
    def ca_file(self) -> Path | None:
        """The CA that signed the server certificate (None without TLS)."""
        return self.certs.ca_file if self.certs else None

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 10 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_entries(base_dn: str, ous: Iterable[str] = ("People",)) -> str:
    """The suffix entry, the reader service account and the OUs, as LDIF."""
    first = base_dn.split(",", 1)[0]
    attr, _, value = first.partition("=")
    if attr.lower() == "dc":
        top = (
            f"dn: {base_dn}\nobjectClass: dcObject\nobjectClass: organization\n"
            f"dc: {value}\no: {value}\n\n"
        )
    else:
        top = f"dn: {base_dn}\nobjectClass: organization\no: {value}\n\n"
    reader = (
        f"dn: cn=reader,{base_dn}\nobjectClass: organizationalRole\n"
        f"objectClass: simpleSecurityObject\ncn: reader\nuserPassword: {READER_PASSWORD}\n\n"
    )
    units = "".join(
        f"dn: ou={ou},{base_dn}\nobjectClass: organizationalUnit\nou: {ou}\n\n" for ou in ous
    )
    return top + reader + units


def _config(directory: Path, base_dn: str, certs: ServerCert | None, size_limit: int | None) -> str:
    schemas = [SCHEMA_DIR / name for name in ("core", "cosine", "inetorgperson", "nis")]
    lines = [f"include {path}.schema" for path in schemas]
    lines.append(f"include {EDUPERSON_SCHEMA}")
    lines += [
        f"pidfile {directory}/slapd.pid",
        f"argsfile {directory}/slapd.args",
        "modulepath /usr/lib/ldap",
        "moduleload back_mdb",
        "sizelimit unlimited",
        "timelimit unlimited",
    ]
    if certs:
        lines += [
            f"TLSCACertificateFile {certs.ca_file}",
            f"TLSCertificateFile {certs.cert_file}",
            f"TLSCertificateKeyFile {certs.key_file}",
        ]
    lines += [
        "database mdb",
        "maxsize 4294967296",
        f'suffix "{base_dn}"',
        f'rootdn "cn=admin,{base_dn}"',
        f"rootpw {ADMIN_PASSWORD}",
        f"directory {directory}/data",
        "index objectClass eq",
        "index uid,mail,employeeNumber eq",
    ]
    if size_limit is not None:
        lines.append(
            f'limits dn.exact="cn=reader,{base_dn}" size.soft={size_limit} '
            f"size.hard={size_limit} size.pr={size_limit} size.prtotal=unlimited"
        )
    lines += [
        "access to attrs=userPassword by self read by anonymous auth by * none",
        "access to * by * read",
    ]
    return "\n".join(lines) + "\n"


def start_slapd(
    directory: Path,
    ldif: str | Path,
    *,
    base_dn: str = "dc=example,dc=org",
    ous: Iterable[str] = ("People",),
    tls: bool = False,
    size_limit: int | None = 1000,
    with_base: bool = True,
    timeout: float = 20.0,
) -> Slapd:
    """Configure, load and start a slapd; raise SlapdUnavailable if it cannot start."""
    if not (Path(SLAPD).exists() and Path(SLAPADD).exists()):
        raise SlapdUnavailable(f"{SLAPD} or {SLAPADD} is not installed")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "data").mkdir(exist_ok=True)
    certs = make_server_cert(directory / "tls", ["localhost", "ldap.test"]) if tls else None
    conf = directory / "slapd.conf"
    conf.write_text(_config(directory, base_dn, certs, size_limit), encoding="utf-8")
    data = directory / "data.ldif"
    with data.open("w", encoding="utf-8") as out:
        if with_base:
            out.write(base_entries(base_dn, ous))
        if isinstance(ldif, Path):
            with ldif.open(encoding="utf-8") as source:
                shutil.copyfileobj(source, out)
        else:
            out.write(ldif)
    loaded = subprocess.run(
        [SLAPADD, "-q", "-f", str(conf), "-l", str(data)], capture_output=True, check=False
    )
    if loaded.returncode != 0:
        raise SlapdUnavailable(f"slapadd failed: {loaded.stderr.decode(errors='replace')[-2000:]}")
    port = free_port()
    urls = [f"ldap://127.0.0.1:{port}/"]
    tls_port = None
    if certs:
        tls_port = free_port()
        urls.append(f"ldaps://127.0.0.1:{tls_port}/")
    log = directory / "slapd.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [SLAPD, "-f", str(conf), "-h", " ".join(urls), "-d", "0"],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = Slapd(
        url=f"ldap://127.0.0.1:{port}",
        ldaps_url=f"ldaps://127.0.0.1:{tls_port}" if tls_port else None,
        base_dn=base_dn,
        admin_dn=f"cn=admin,{base_dn}",
        admin_password=ADMIN_PASSWORD,
        reader_dn=f"cn=reader,{base_dn}",
        reader_password=READER_PASSWORD,
        directory=directory,
        process=process,
        certs=certs,
        port=port,
        tls_port=tls_port,
        log=log,
    )
    try:
        _wait_until_answering(server, timeout)
    except SlapdUnavailable:
        server.stop()
        raise
    return server


def _wait_until_answering(server: Slapd, timeout: float) -> None:
    """Poll until slapd accepts a TCP connection and answers an LDAP request."""
    deadline = time.monotonic() + timeout
    # An anonymous bind request (messageID 1, version 3, empty name, simple empty password).
    bind = bytes.fromhex("300c020101600702010304008000")
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            output = server.log.read_text(errors="replace")[-2000:]
            raise SlapdUnavailable(f"slapd exited ({server.process.returncode}): {output}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1) as sock:
                sock.sendall(bind)
                if sock.recv(64):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise SlapdUnavailable(f"slapd did not answer within {timeout:.0f} s")


@dataclass(frozen=True)
class Person:
    """One generated person (known truth for the tests)."""

    uid: str
    ou: str
    employee_number: str
    mail: str
    given: str
    sn: str


GIVEN = ["Ann", "Bob", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jack"]
SURNAMES = ["Martin", "Nguyen", "O'Brien", "Patel", "Quinn", "Roy", "Singh", "Tremblay", "Wong"]


def generate_people(
    count: int, *, seed: int = 7, ous: tuple[str, ...] = ("People",)
) -> list[Person]:
    """`count` distinct people, deterministic for a seed."""
    rng = random.Random(seed)
    people = []
    for i in range(count):
        given, sn = rng.choice(GIVEN), rng.choice(SURNAMES)
        uid = f"u{i:06d}"
        people.append(
            Person(
                uid=uid,
                ou=ous[i % len(ous)],
                employee_number=f"{i:09d}",
                mail=f"{uid}@college.example",
                given=given,
                sn=sn,
            )
        )
    return people


def person_ldif(person: Person, base_dn: str, *, extra: bool = False) -> str:
    """One inetOrgPerson + eduPerson entry; `extra` adds ~20 more attributes (benchmark size)."""
    dn = f"uid={person.uid},ou={person.ou},{base_dn}"
    lines = [
        f"dn: {dn}",
        "objectClass: inetOrgPerson",
        "objectClass: eduPerson",
        f"uid: {person.uid}",
        f"cn: {person.given} {person.sn}",
        f"sn: {person.sn}",
        f"givenName: {person.given}",
        f"mail: {person.mail}",
        f"employeeNumber: {person.employee_number}",
        f"eduPersonPrincipalName: {person.uid}@college.example",
        "eduPersonAffiliation: member",
    ]
    if extra:
        lines.append("eduPersonAffiliation: student")
        n = person.employee_number
        lines += [
            f"displayName: {person.given} {person.sn}",
            "employeeType: student",
            "eduPersonPrimaryAffiliation: student",
            f"eduPersonUniqueId: {n}x@college.example",
            "eduPersonEntitlement: urn:mace:dir:entitlement:common-lib-terms",
            f"telephoneNumber: +1 416 555 {n[-4:]}",
            f"mobile: +1 647 555 {n[-4:]}",
            f"street: {int(n) % 900 + 100} College Street",
            "l: Toronto",
            "st: Ontario",
            "postalCode: M5S 1A1",
            "o: Example College",
            f"ou: {person.ou}",
            "title: Student",
            f"departmentNumber: D{int(n) % 40:02d}",
            "preferredLanguage: en",
            f"description: Generated person number {n} for the authprobe benchmark; a"
            " realistic entry carries a few longer free-text values like this one, written by"
            " the registrar's import job and never cleaned up afterwards",
            f"postalAddress: {int(n) % 900 + 100} College Street$Toronto, Ontario$M5S 1A1$Canada",
            f"roomNumber: {int(n) % 500}",
            f"carLicense: ON-{n[-6:]}",
            f"initials: {person.given[0]}{person.sn[0]}",
            f"labeledURI: https://college.example/~{person.uid}",
            f"homePhone: +1 905 555 {n[-4:]}",
        ]
    return "\n".join(lines) + "\n\n"


def people_ldif(people: Iterable[Person], base_dn: str, *, extra: bool = False) -> Iterator[str]:
    """LDIF text for many people, one entry at a time."""
    for person in people:
        yield person_ldif(person, base_dn, extra=extra)
