"""The ``csv`` source: a file loaded in memory, indexed by number, reloaded when it changes."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from twisted.internet import task, threads
from twisted.internet.defer import Deferred, fail, succeed
from twisted.logger import Logger

from xivo.config import positive

from ._contact import Contact
from ._numbers import E164, canonical_number
from ._source import SourceConfig, SourceUnavailable

__all__ = ["CsvSource", "CsvSourceConfig", "load_index"]

log = Logger()
MAX_FILE_SIZE = 64 * 1024 * 1024


def _one_char(value: str) -> None:
    if len(value) != 1:
        raise ValueError(f"must be one character, got {value!r}")


@dataclass(frozen=True)
class CsvSourceConfig(SourceConfig):
    """``type: csv`` settings."""

    file: str = ""
    delimiter: str = field(default=",", metadata={"check": _one_char})
    reload_interval: float = field(default=5.0, metadata={"check": positive})
    """Seconds between checks of the file's modification time and size."""
    concurrency: int = field(default=1000, metadata={"check": positive})


RunInThread = Callable[[Callable[[], Any]], Deferred]


def load_index(data: bytes, config: CsvSourceConfig, default_country: str) -> dict[str, str]:
    """Parse the file's bytes into {canonical number: display name}; ValueError if broken."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=config.delimiter, strict=True)
    template = config.template
    try:
        header = reader.fieldnames or []
        missing = [c for c in (*config.first_matched_columns, *template.fields) if c not in header]
        if missing:
            raise ValueError(f"header lacks column(s) {', '.join(missing)}")
        index: dict[str, str] = {}
        for row in reader:
            name = template.render({k: v or "" for k, v in row.items() if isinstance(k, str)})
            for column in config.first_matched_columns:
                number = (row.get(column) or "").strip()
                if number and name:
                    index.setdefault(canonical_number(number, default_country), name)
    except csv.Error as e:
        raise ValueError(f"line {reader.line_num}: {e}") from None
    return index


class CsvSource:
    """Answers from an in-memory index of a CSV file, re-read in a thread when it changes.

    If a new version of the file is broken the previous data stay in use and the
    reason is logged.  Lookups made while the first read is running wait for it (the
    lookup's deadline still applies); after a failed first read, and until a good one,
    the source is unavailable.  It stores every number in its canonical (E.164) form,
    so it is asked for that form only.
    """

    number_format = E164

    def __init__(
        self,
        name: str,
        config: CsvSourceConfig,
        *,
        default_country: str,
        reactor: Any,
        run_in_thread: RunInThread | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self._country = default_country
        self._reactor = reactor
        self._run_in_thread = run_in_thread or self._thread_pool
        self._index: dict[str, str] | None = None
        self._stamp: tuple[float, int] | None = None
        self._last_error: str | None = None
        self._first_load: list[Deferred[None]] | None = []  # lookups waiting for it
        self._loop = task.LoopingCall(self.reload)
        self._loop.clock = reactor

    def _thread_pool(self, f: Callable[[], Any]) -> Deferred:
        return threads.deferToThreadPool(self._reactor, self._reactor.getThreadPool(), f)

    def startService(self) -> None:
        """Load the file now and check it every ``reload_interval`` seconds."""
        self._loop.start(self.config.reload_interval, now=True)

    def stopService(self) -> None:
        """Stop watching the file."""
        if self._loop.running:
            self._loop.stop()
        self._first_load_over(None)

    def lookup(self, candidates: Sequence[str]) -> Deferred[Contact | None]:
        """The contact of the first candidate found in the index (keys are canonical)."""
        if self._index is None:
            if self._first_load is None:
                return fail(SourceUnavailable(f"{self.config.file} is not loaded"))
            waiting: Deferred[None] = Deferred(self._first_load.remove)
            self._first_load.append(waiting)
            return waiting.addCallback(lambda _: self.lookup(candidates))
        for candidate in candidates:
            name = self._index.get(candidate)
            if name:
                return succeed(Contact(name=name, source=self.name))
        return succeed(None)

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Up once a version of the file is loaded; the last load error, if any, is shown."""
        numbers = len(self._index) if self._index is not None else 0
        details = {"file": self.config.file, "numbers": numbers, "error": self._last_error or ""}
        return self._index is not None, details

    def reload(self) -> Deferred[None]:
        """Re-read the file if its modification time or size changed."""
        d = self._run_in_thread(self._read_if_changed)
        d.addCallback(self._loaded)
        d.addErrback(self._load_failed)
        return d.addCallback(self._first_load_over)

    def _first_load_over(self, _result: None) -> None:
        waiting, self._first_load = self._first_load or [], None
        for d in waiting:
            d.callback(None)

    def _read_if_changed(self) -> tuple[tuple[float, int], dict[str, str]] | None:
        st = os.stat(self.config.file)
        stamp = (st.st_mtime, st.st_size)
        if stamp == self._stamp:
            return None
        if st.st_size > MAX_FILE_SIZE:
            self._stamp = stamp
            raise ValueError(f"larger than {MAX_FILE_SIZE} bytes")
        with open(self.config.file, "rb") as f:
            data = f.read(MAX_FILE_SIZE + 1)
        self._stamp = stamp
        return stamp, load_index(data, self.config, self._country)

    def _loaded(self, result: tuple[tuple[float, int], dict[str, str]] | None) -> None:
        if result is None:
            return
        _stamp, index = result
        self._index = index
        self._last_error = None
        log.info(
            "directory {source}: loaded {count} numbers from {file}",
            source=self.name,
            count=len(index),
            file=self.config.file,
        )

    def _load_failed(self, failure: Any) -> None:
        error = failure.getErrorMessage()
        if error == self._last_error:
            return
        self._last_error = error
        kept = "keeping the previous data" if self._index is not None else "no data yet"
        log.error(
            "directory {source}: cannot load {file}: {error} ({kept})",
            source=self.name,
            file=self.config.file,
            error=error,
            kept=kept,
        )
