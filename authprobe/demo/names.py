"""The names the demo college draws from, and the login names and mail addresses it allots."""

from __future__ import annotations

import random
import unicodedata


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- names -------------------------------------------------------------------------------------

FIRST_NAMES = _words(
    "Aaliyah Adam Aiden Alexandre Amélie Amir Ana Andrew Anika Ava Benjamin Béatrice Brandon "
    "Camille Chen Chloé Daniel David Diego Elena Élise Emily Emma Ethan Fatima Félix Gabriel "
    "Grace Hannah Hiroshi Isabelle Jacob James Jérôme Jessica Jo Joshua Julia Kaitlyn Kevin Leila "
    "Liam Lucas Maya Mei Michael Mohammed Nathan Noah Noémie Olivia Omar Priya Rafael Rebecca "
    "Ryan Samuel Sarah Sofia Sophie Thomas Valérie William Xavier Yasmin Zoë Zoe"
)
LAST_NAMES = _words(
    "Anderson Bélanger Bouchard Brown Campbell Chen Côté Davies Desjardins Dubé Fortin Gagné "
    "Gagnon Garcia Gauthier Gill Girard Grant Hall Harris Jones Kaur Khan Kim Lavoie Leblanc Lee "
    "Lévesque Li MacDonald Martin Morin Murray Nguyen Ouellet Patel Pelletier Roy Scott Singh "
    "Smith Stewart Tremblay Taylor Thompson Wang Watson White Williams Wilson Wong Young Zhang "
    "Ó'Brien Ábrahám Núñez Müller Kowalski Abernathy-Whitfield Papadopoulos Okonkwo"
)
SERVICE_NAMES = _words(
    "backup ldap-sync print scanner kiosk library-circ helpdesk moodle payroll web wifi "
    "printq lab-image av-booking cctv door-access hvac pos sms-gateway mail-relay"
)
PERSONAL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.ca", "hotmail.com")


def ascii_name(text: str) -> str:
    """Lower-case ASCII letters (and hyphens) of a name: `Côté` -> `cote`."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in folded.lower() if c.isalpha() or c == "-")


class Names:
    """Allocates unique login names and mail addresses (unique after casefold)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def username(self, first: str, last: str) -> str:
        base = (ascii_name(first)[:1] + ascii_name(last).replace("-", ""))[:7]
        while True:
            name = f"{base}{self.rng.randrange(10, 100)}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def mail(self, local: str, domain: str) -> str:
        suffix = 1
        while True:
            address = f"{local}{suffix if suffix > 1 else ''}@{domain}"
            if address.casefold() not in self.taken:
                self.taken.add(address.casefold())
                return address
            suffix += 1
