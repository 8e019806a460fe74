"""Tests for xivo_agid.directory._csv_source."""

import os

import pytest
from twisted.internet.defer import CancelledError, Deferred, maybeDeferred
from twisted.internet.task import Clock

from xivo.config import ConfigError, build
from xivo_agid.config import SAMPLE_PHONEBOOK
from xivo_agid.directory._csv_source import CsvSource, CsvSourceConfig, load_index
from xivo_agid.directory._numbers import number_candidates
from xivo_agid.directory._source import SourceUnavailable

HEADER = "firstname,lastname,number,mobile\n"


def config(path, **extra):
    data = {
        "type": "csv",
        "file": str(path),
        "first_matched_columns": ["number", "mobile"],
        "format_columns": {"reverse": "{firstname} {lastname}"},
        **extra,
    }
    return build(CsvSourceConfig, data, "sources.pb")


def make_source(path, **extra):
    clock = Clock()
    source = CsvSource(
        "pb",
        config(path, **extra),
        default_country="FR",
        reactor=clock,
        run_in_thread=maybeDeferred,
    )
    return source, clock


def lookup(source, number):
    out = []
    source.lookup(number_candidates(number, "FR")).addBoth(out.append)
    return out[0]


def write(path, text, mtime=None):
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def test_finds_a_number_stored_in_another_format(tmp_path):
    """A number typed with spaces in the file matches the caller's E.164 number."""
    path = tmp_path / "pb.csv"
    write(path, HEADER + "Alice,Martin,01 23 45 67 89,\nBob,Durand,,+33612345678\n")
    source, _clock = make_source(path)
    source.startService()
    assert lookup(source, "+33123456789").name == "Alice Martin"
    assert lookup(source, "06 12 34 56 78").name == "Bob Durand"
    assert lookup(source, "0999999999") is None


def test_unavailable_after_a_failed_first_load(tmp_path):
    """When the first read failed, lookups fail with SourceUnavailable."""
    source, _clock = make_source(tmp_path / "missing.csv")
    source.startService()
    assert lookup(source, "0123456789").check(SourceUnavailable)


class HeldThread:
    """``run_in_thread`` whose calls wait until ``release`` runs them."""

    def __init__(self):
        self.held = []

    def __call__(self, f):
        d = Deferred()
        self.held.append((f, d))
        return d

    def release(self):
        f, d = self.held.pop(0)
        maybeDeferred(f).chainDeferred(d)


def held_source(path):
    thread = HeldThread()
    source = CsvSource("pb", config(path), default_country="FR", reactor=Clock(),
                       run_in_thread=thread)  # fmt: skip
    return source, thread


def test_lookups_during_the_first_load_wait_for_it(tmp_path):
    """A call arriving while the file is first read is answered once it is read."""
    path = tmp_path / "pb.csv"
    write(path, HEADER + "Alice,Martin,01 23 45 67 89,\n")
    source, thread = held_source(path)
    source.startService()
    early, unknown = [], []
    source.lookup(number_candidates("0123456789", "FR")).addBoth(early.append)
    source.lookup(number_candidates("0999999999", "FR")).addBoth(unknown.append)
    assert early == [] and unknown == []
    thread.release()
    assert early[0].name == "Alice Martin"
    assert unknown == [None]


def test_cancelled_wait_for_the_first_load_is_dropped(tmp_path):
    """A lookup cancelled (its deadline passed) while waiting is not answered later."""
    path = tmp_path / "pb.csv"
    write(path, HEADER + "Alice,Martin,01 23 45 67 89,\n")
    source, thread = held_source(path)
    source.startService()
    out = []
    d = source.lookup(number_candidates("0123456789", "FR"))
    d.addBoth(out.append)
    d.cancel()
    thread.release()
    assert len(out) == 1 and out[0].check(CancelledError)
    assert lookup(source, "0123456789").name == "Alice Martin"


def test_failed_first_load_fails_the_waiting_lookups(tmp_path):
    """If the first read fails, the lookups that waited for it fail as unavailable."""
    source, thread = held_source(tmp_path / "missing.csv")
    source.startService()
    out = []
    source.lookup(number_candidates("0123456789", "FR")).addBoth(out.append)
    thread.release()
    assert out[0].check(SourceUnavailable)


def test_stopping_before_the_first_load_releases_the_waiting_lookups(tmp_path):
    """Stopping the source answers the waiting lookups at once (unavailable)."""
    source, _thread = held_source(tmp_path / "pb.csv")
    source.startService()
    out = []
    source.lookup(number_candidates("0123456789", "FR")).addBoth(out.append)
    source.stopService()
    assert out[0].check(SourceUnavailable)


def test_reloads_when_the_file_changes(tmp_path):
    """A changed mtime or size makes the next check load the new content."""
    path = tmp_path / "pb.csv"
    write(path, HEADER + "Alice,Martin,0123456789,\n", mtime=1000)
    source, clock = make_source(path, reload_interval=5)
    source.startService()
    write(path, HEADER + "Carol,Petit,0123456789,\n", mtime=2000)
    assert lookup(source, "0123456789").name == "Alice Martin"
    clock.advance(5)
    assert lookup(source, "0123456789").name == "Carol Petit"
    source.stopService()


@pytest.mark.parametrize(
    "broken",
    [b"firstname,lastname\nA,B\n", b"\xff\xfe not utf-8", HEADER.encode() + b'A,"B,0123\n'],
)
def test_broken_new_file_keeps_the_old_data(tmp_path, broken):
    """A broken new version (missing column, bad encoding, bad CSV) leaves the old data in use."""
    path = tmp_path / "pb.csv"
    write(path, HEADER + "Alice,Martin,0123456789,\n", mtime=1000)
    source, clock = make_source(path)
    source.startService()
    path.write_bytes(broken)
    os.utime(path, (2000, 2000))
    clock.advance(5)
    assert lookup(source, "0123456789").name == "Alice Martin"


def test_load_index_names_the_missing_columns():
    """A header without the configured columns is refused with their names."""
    with pytest.raises(ValueError, match="mobile"):
        load_index(b"firstname,lastname,number\n", config("x"), "FR")


def test_delimiter_is_configurable(tmp_path):
    """``delimiter`` selects the field separator."""
    path = tmp_path / "pb.csv"
    write(path, HEADER.replace(",", ";") + "Alice;Martin;0123456789;\n")
    source, _clock = make_source(path, delimiter=";")
    source.startService()
    assert lookup(source, "0123456789").name == "Alice Martin"


def test_config_refuses_a_long_delimiter():
    """A delimiter of more than one character is a configuration error naming the key."""
    with pytest.raises(ConfigError, match="sources.pb.delimiter"):
        config("x", delimiter=";;")


def test_sample_phonebook_loads():
    """The shipped sample directory loads and holds about twenty contacts."""
    with open(SAMPLE_PHONEBOOK, "rb") as f:
        index = load_index(f.read(), config(SAMPLE_PHONEBOOK), "FR")
    assert index["+33123456789"] == "Alice Martin"
    assert len(set(index.values())) >= 18


def test_health_reports_numbers_and_last_error(tmp_path):
    """Down before the first load; up with the count once loaded; a broken file shows its error."""
    path = tmp_path / "pb.csv"
    write(path, HEADER + "Alice,Martin,0123456789,\n", mtime=1000)
    source, _clock = make_source(path)
    ok, details = source.health()
    assert (ok, details["numbers"]) == (False, 0)
    source.reload()
    assert source.health() == (True, {"file": str(path), "numbers": 1, "error": ""})
    write(path, "nothing,useful\n", mtime=2000)
    source.reload()
    ok, details = source.health()
    assert ok and details["numbers"] == 1
    assert "header lacks" in details["error"]
