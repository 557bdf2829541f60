"""runtime: regular files only, size budgets checked while reading, bounded lines."""

from __future__ import annotations

import gzip
import io
import os
import random
import socket
import zlib
from pathlib import Path

import pytest

from authprobe import runtime
from authprobe.errors import InputError, UnsafeInputError, UsageError


@pytest.fixture(autouse=True)
def _default_limits() -> object:
    """Each test starts (and leaves) with the default budgets."""
    runtime.set_limits(runtime.Limits())
    yield
    runtime.set_limits(runtime.Limits())


def _kind_error(path: Path | str) -> InputError:
    with pytest.raises(InputError) as info:
        runtime.check_file(path, "test input")
    return info.value


def test_character_device_is_refused_by_name() -> None:
    """/dev/zero is named a character device, exit 4, before anything is read."""
    error = _kind_error("/dev/zero")
    assert error.reference == "input-not-a-file"
    assert "character device" in error.message
    assert error.exit_code == 4


def test_symlink_to_a_device_is_followed_and_refused(tmp_path: Path) -> None:
    """A symbolic link is judged by what it points to."""
    link = tmp_path / "login.xml"
    link.symlink_to("/dev/zero")
    assert "character device" in _kind_error(link).message


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """A FIFO is refused by `open_input` at once (opening it would wait for a writer)."""
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as info:
        runtime.open_input(fifo, "test input")
    assert info.value.reference == "input-not-a-file"
    assert "named pipe (FIFO)" in info.value.message


def test_socket_and_directory_are_named(tmp_path: Path) -> None:
    """A UNIX socket and a directory are each named for what they are."""
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        assert "a socket" in _kind_error(path).message
    assert "a directory" in _kind_error(tmp_path).message


def test_missing_file_is_input_not_found(tmp_path: Path) -> None:
    """A path that does not exist is `input-not-found` (exit 4)."""
    error = _kind_error(tmp_path / "nope.ldif")
    assert (error.reference, error.exit_code) == ("input-not-found", 4)


def test_refuse_special_leaves_files_folders_and_missing_paths(tmp_path: Path) -> None:
    """`refuse_special` lets regular files, folders and missing paths through to the caller."""
    file = tmp_path / "f.xml"
    file.write_text("x")
    for path in (file, tmp_path, tmp_path / "missing"):
        runtime.refuse_special(path, "test input")
    with pytest.raises(InputError, match="standard input given as -"):
        runtime.refuse_special("/dev/zero", "captured login", stdin=True)


def test_open_input_refuses_a_file_over_the_budget(tmp_path: Path) -> None:
    """A file larger than the budget is refused before reading, naming the file and limit."""
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 3000)
    with pytest.raises(InputError) as info:
        runtime.open_input(path, "CSV file", limit=2 * runtime.KIB)
    assert info.value.reference == "input-too-large"
    assert str(path) in info.value.message
    assert "2 KiB" in info.value.message
    assert "--max-input-size" in (info.value.hint or "")
    with runtime.open_input(path, "CSV file", limit=3000) as stream:
        assert stream.read() == b"x" * 3000  # exactly at the budget is fine


def test_budget_is_checked_while_reading(tmp_path: Path) -> None:
    """A file that grows past the budget after it was opened stops with the same error."""
    path = tmp_path / "growing.ldif"
    path.write_bytes(b"a" * 100)
    stream = runtime.open_input(path, "LDIF export", limit=1000)
    with path.open("ab") as more:
        more.write(b"b" * 2000)
    with stream, pytest.raises(InputError, match="larger than 1000 bytes"):
        stream.read()


def test_seek_keeps_the_budget(tmp_path: Path) -> None:
    """A budgeted stream can be rewound (the SIS reader sniffs the root, then seeks back)."""
    path = tmp_path / "u.xml"
    path.write_bytes(b"0123456789")
    with runtime.open_input(path, "x", limit=10) as stream:
        assert stream.read(4) == b"0123"
        stream.seek(0)
        assert stream.read() == b"0123456789"


def _lines_of(data: bytes, limit: int) -> list[bytes]:
    return list(runtime.read_lines(io.BytesIO(data), "f", "test input", limit))


def test_line_batches_split_like_split_lines() -> None:
    """Lines come out exactly as `data.split(b"\\n")` says, whatever the chunk boundaries."""
    rng = random.Random(13)
    for _ in range(200):
        pieces = [b"x" * rng.choice((0, 1, 5, 300, 70_000, 300_000)) for _ in range(6)]
        data = b"\n".join(pieces) + rng.choice((b"", b"\n"))
        expected = data.split(b"\n")
        if expected[-1] == b"":
            expected.pop()
        assert _lines_of(data, 1 << 20) == expected


def test_a_line_over_the_limit_names_its_line_and_the_limit() -> None:
    """The 3rd line is 2 KiB long: refused at f:3 with the limit and how to raise it."""
    data = b"a\nb\n" + b"c" * 2048 + b"\nd\n"
    with pytest.raises(InputError) as info:
        _lines_of(data, 1024)
    assert info.value.reference == "input-value-too-large"
    assert info.value.location == "f:3"
    assert "1 KiB" in info.value.message
    assert "--max-value-size" in (info.value.hint or "")
    assert _lines_of(data, 2048)[2] == b"c" * 2048


def test_text_lines_keep_their_ends_and_are_bounded() -> None:
    """Text lines keep `\\r\\n` / `\\r` (the csv module needs them) and are bounded too."""
    text = io.TextIOWrapper(io.BytesIO(b"a,b\r\nc,d\re\n"), newline="")
    assert list(runtime.read_text_lines(text, "t.csv", "CSV file", 100)) == [
        "a,b\r\n",
        "c,d\r",
        "e\n",
    ]
    long = io.TextIOWrapper(io.BytesIO(b"ok\n" + b"z" * 500), newline="")
    with pytest.raises(InputError) as info:
        list(runtime.read_text_lines(long, "t.csv", "CSV file", 100))
    assert info.value.location == "t.csv:2"


def _gzip_members(path: Path, member: bytes, count: int) -> None:
    """A gzip file of `count` identical members (a gzip reader inflates them all, in order)."""
    packed = gzip.compress(member, compresslevel=9)
    with path.open("wb") as out:
        for _ in range(count):
            out.write(packed)


def test_gzip_bomb_stops_at_the_ratio_guard(tmp_path: Path) -> None:
    """A .gz inflating past 200× its size (and 100 MiB) is refused as a gzip bomb."""
    path = tmp_path / "bomb.jsonl.gz"
    _gzip_members(path, b"\n" * (16 << 20), 10)  # 160 MiB of newlines in ~160 KB
    inflated = [0]

    def read_all() -> None:
        with runtime.open_gzip(path, "saved file") as stream:
            while chunk := stream.read(1 << 20):
                inflated[0] += len(chunk)

    with pytest.raises(UnsafeInputError) as info:
        read_all()
    assert info.value.reference == "gzip-bomb"
    assert runtime.GZIP_RATIO_FLOOR - (1 << 20) <= inflated[0] <= runtime.GZIP_RATIO_FLOOR
    assert "200 times" in info.value.message


def test_gzip_within_the_guard_reads_whole(tmp_path: Path) -> None:
    """An ordinary .gz (several members, modest ratio) inflates completely and exactly."""
    path = tmp_path / "ok.jsonl.gz"
    data = os.urandom(1 << 16) * 4
    _gzip_members(path, data, 3)
    with runtime.open_gzip(path, "saved file") as stream:
        assert stream.read() == data * 3


def test_corrupt_gzip_is_an_os_error_for_the_reader(tmp_path: Path) -> None:
    """A damaged .gz raises what gzip raises (the reader turns it into its own message)."""
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises((OSError, EOFError, zlib.error)), runtime.open_gzip(path, "x") as stream:
        stream.read()


def test_read_small_refuses_big_files(tmp_path: Path) -> None:
    """A password file over its 4 KiB budget is refused without being read."""
    path = tmp_path / "pw"
    path.write_bytes(b"p" * (runtime.PASSWORD_FILE_MAX_BYTES + 1))
    with pytest.raises(InputError, match="larger than 4 KiB"):
        runtime.read_small(path, "password file", runtime.PASSWORD_FILE_MAX_BYTES)
    path.write_bytes(b"secret\n")
    assert runtime.read_small(path, "password file", runtime.PASSWORD_FILE_MAX_BYTES) == (
        b"secret\n"
    )


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("64M", 64 << 20),
        ("16G", 16 << 30),
        ("1.5GiB", 3 << 29),
        ("512k", 512 << 10),
        ("500000", 500000),
        (" 2 MB ", 2 << 20),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    """Sizes take K, M, G, T (powers of 1024), optionally followed by B or iB."""
    assert runtime.parse_size(text, "--max-value-size") == size


@pytest.mark.parametrize("text", ["", "lots", "-5M", "0", "12X"])
def test_parse_size_refuses_nonsense(text: str) -> None:
    """Anything else is a usage error naming the option."""
    with pytest.raises(UsageError, match="--max-input-size"):
        runtime.parse_size(text, "--max-input-size")
