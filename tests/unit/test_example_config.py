"""The commented authprobe.example.toml shipped with the project: complete and valid."""

from __future__ import annotations

import tomllib
from pathlib import Path

from authprobe import config

EXAMPLE = Path(__file__).parents[2] / "authprobe.example.toml"


def test_example_config_loads() -> None:
    """The example file passes the same validation as a user's authprobe.toml."""
    loaded = config.load_config(EXAMPLE)
    assert loaded.directory is not None
    assert loaded.directory.endswith("exports/people.ldif")
    assert loaded.ldap_tls_name == "dc1.college.ca"
    assert loaded.match_id == "identifier:UNIV_ID"


def test_example_config_has_every_key() -> None:
    """Every setting the configuration accepts appears in the example, in its section."""
    document = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    missing = [
        f"[{section}] {key}"
        for section, keys in config._SCHEMA.items()
        for key in keys
        if key not in document.get(section, {})
    ]
    assert missing == []


def test_example_config_has_every_build_key() -> None:
    """Every [build] and [[build.sources]] setting appears in the example and loads."""
    from authprobe import buildconfig

    document = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    build = document["build"]
    assert [key for key in buildconfig._BUILD_KEYS if key not in build] == []
    sources = build["sources"]
    present = {key for source in sources for key in source}
    assert [key for key in buildconfig._SOURCE_KEYS if key not in present] == []
    loaded = config.load_config(EXAMPLE).build
    assert [s.name for s in loaded.sources] == ["registrar", "hr"]
    assert loaded.expiry is not None
    assert loaded.expiry.months == 12
    assert config.load_config(EXAMPLE).previous_sis is not None
