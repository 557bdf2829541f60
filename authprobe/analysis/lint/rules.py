"""The rules of the SIS lint: each finding code, its severity and the sentence the report uses.

Every output format (table, JSON, Markdown, the findings CSV) words a finding from `RULES`;
Each sentence holds `[one|many]` choices that `wording.agree` settles for the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from authprobe.buildconfig import MAX_FILES_PER_ZIP
from authprobe.finding_types import finding_type
from authprobe.model import Severity

MAX_ID_LENGTH = 255
"""Alma's limit on an identifier value (primary_id or a user identifier), in characters."""
MAX_SAMPLES = 5
SOURCE = "sis"


class Code(StrEnum):
    """Finding codes of the SIS lint (stable: they are the JSON report's `code`)."""

    DUPLICATE = "sis-id-duplicate"
    CASE_COLLISION = "sis-id-case-collision"
    PRIMARY_MISSING = "sis-primary-id-missing"
    TOO_LONG = "sis-id-too-long"
    WHITESPACE = "sis-id-whitespace"
    SPACE = "sis-id-space"
    URL_UNSAFE = "sis-id-url-unsafe"
    NON_ASCII = "sis-id-non-ascii"
    SEVERAL_PREFERRED = "sis-email-several-preferred"
    UNKNOWN_ID_TYPE = "sis-id-type-unknown"
    SAME_PERSON = "sis-probable-same-person"
    EXPIRED = "sis-expired"
    BAD_DATE = "sis-date-unreadable"
    UNKNOWN_ELEMENT = "sis-unknown-element"
    XSD = "sis-xsd-invalid"
    ZIP_TOO_MANY_FILES = "sis-zip-too-many-files"
    EMPTY_VALUE = "sis-id-empty-value"
    EMAIL_AS_ID = "sis-id-is-email"
    GROUP_AS_ID = "sis-id-is-user-group"
    EXPIRY_MISSING = "sis-expiry-missing"
    PURGE_MISSING = "sis-purge-missing"


@dataclass(frozen=True, slots=True)
class Rule:
    """What a code means: the sentence the report uses (`{n}` = count); its severity is the
    one registered in `finding_types`."""

    code: Code
    message: str

    @property
    def severity(self) -> Severity:
        """The code's severity (registered once, in `finding_types`)."""
        return finding_type(self.code).severity


RULES: dict[Code, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            Code.DUPLICATE,
            "{n} identifier [value is|values are] used more than once ({records} uses in all) "
            "across "
            "primary_id and the user identifiers; Alma requires every identifier to be unique "
            "across all users and fields, and rejects the records that repeat one.",
        ),
        Rule(
            Code.CASE_COLLISION,
            "{n} identifier [value appears|values appear] in spellings that differ only by letter "
            "case "
            "({records} uses); Alma compares identifiers without case, so [they|these] collide.",
        ),
        Rule(
            Code.PRIMARY_MISSING,
            "{n} [user has|users have] no primary_id; Alma would invent one from the name, which "
            "no "
            "login can ever match.",
        ),
        Rule(
            Code.TOO_LONG,
            "{n} identifier [value is|values are] longer than Alma's limit of 255 characters.",
        ),
        Rule(
            Code.WHITESPACE,
            "{n} identifier [value starts or ends|values start or end] with whitespace; a login "
            "sends the value "
            "without it, so it will not match.",
        ),
        Rule(
            Code.SPACE,
            "{n} identifier [value contains|values contain] spaces or other whitespace inside.",
        ),
        Rule(
            Code.URL_UNSAFE,
            "{n} identifier [value contains|values contain] / ? # or %, which break Alma API "
            "paths (/users/{{id}}).",
        ),
        Rule(
            Code.NON_ASCII,
            "{n} identifier [value contains|values contain] non-ASCII characters; IdPs and SIS "
            "exports often "
            "encode these differently.",
        ),
        Rule(
            Code.SEVERAL_PREFERRED,
            "{n} [user has|users have] more than one preferred email; Alma allows only one.",
        ),
        Rule(
            Code.UNKNOWN_ID_TYPE,
            "{n} [user carries|users carry] an identifier type that is not in --id-types.",
        ),
        Rule(
            Code.SAME_PERSON,
            "{n} [user looks|users look] like a person already present in another user group "
            "(same name "
            "and birth date, or same email), e.g. a student employee sent by two feeds; Alma "
            "allows one record per person.",
        ),
        Rule(
            Code.EXPIRED,
            "{n} [user has|users have] an expiry_date in the past; Alma will load them already "
            "expired.",
        ),
        Rule(
            Code.BAD_DATE,
            "{n} [user has|users have] an expiry_date that is not a date (YYYY-MM-DD, optionally "
            "with a "
            "Z or an offset).",
        ),
        Rule(
            Code.UNKNOWN_ELEMENT,
            "{n} [user has|users have] elements Alma's user schema does not declare; Alma ignores "
            "them.",
        ),
        Rule(
            Code.XSD,
            "{n} [user does|users do] not validate against the given XML schema.",
        ),
        Rule(
            Code.EMPTY_VALUE,
            "{n} [user has|users have] a user_identifier whose <value> is empty; Alma rejects the "
            "whole "
            'record ("Mandatory field is missing: User identifier value"). Leave out '
            "identifiers that have no value.",
        ),
        Rule(
            Code.EMAIL_AS_ID,
            "{n} [user carries|users carry] an email address as an additional identifier{shared}; "
            "email "
            "addresses change and are shared, and Alma rejects every user who repeats an "
            "identifier another user holds. Load emails in contact_info, not as identifiers.",
        ),
        Rule(
            Code.GROUP_AS_ID,
            "{n} [user carries|users carry] a user_group code as an additional "
            "identifier{shared}; every "
            "user of the group shares it, so Alma rejects all [users of the group|of them] but "
            "the first.",
        ),
        Rule(
            Code.EXPIRY_MISSING,
            "{n} [user has|users have] no expiry_date; Alma never expires [it|them], so [it "
            "is|they are] "
            "never purged "
            "either.",
        ),
        Rule(
            Code.PURGE_MISSING,
            "{n} [user has|users have] no purge_date; Alma's Purge Users job never removes "
            "[it|them].",
        ),
        Rule(
            Code.ZIP_TOO_MANY_FILES,
            f"{{n}} [zip holds|zips hold] more than {MAX_FILES_PER_ZIP} XML files; Alma's SIS "
            "load reads "
            f"at most {MAX_FILES_PER_ZIP} XML files per zip: split the extract into several "
            "zips.",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place a rule fired: the record's ref, the field and value concerned, and a detail."""

    code: Code
    ref: str
    field: str | None = None
    value: str | None = None
    detail: str = ""

    @property
    def severity(self) -> Severity:
        """The rule's severity."""
        return RULES[self.code].severity
