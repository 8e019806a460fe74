"""The handler-facing side of one FastAGI request: commands in, Deferred replies out.

Commands are queued and written one at a time; each reply fires the oldest command's
Deferred.  A step of several commands (``set_variables`` when it cannot use one
``EXEC MSet``) is one queue entry: its commands are written one after the other, each
after the previous one's reply, and the first failure stops it.  A handler's last step
(``finish_with_variables``) fires once its last line is written: its reply is not
awaited, and dropped if it comes before the connection closes.  After an unprompted
``HANGUP`` the command in flight still gets its reply and every later command fails at
once with ``AGIHangup``; when the connection goes, whatever is pending fails with
``AGIConnectionLost``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from twisted.internet.defer import Deferred, fail

from xivo_agid.fastagi._command import app_argument, encode_command, mset_argument
from xivo_agid.fastagi._environment import AGIEnvironment
from xivo_agid.fastagi._errors import (
    AGICommandError,
    AGIConnectionLost,
    AGIHangup,
    InvalidCommand,
)
from xivo_agid.fastagi._reply import Reply

__all__ = ["AGISession"]


@dataclass(eq=False)
class _Command:
    lines: list[bytes]
    """The command lines still to write, the one in flight (if any) first."""
    deferred: Deferred[Reply] | None = field(default=None)
    exec_app: bool = False
    """An ``EXEC``: its result is the application's, negative when the application was
    not found (-2) or the channel hung up in it (-1)."""
    final: bool = False
    """A handler's last step: fires with None once its last line is written."""

    @property
    def name(self) -> str:
        return self.lines[0].decode("utf-8").rstrip("\n")


class AGISession:
    """One FastAGI request as seen by a handler: ``env`` and the AGI commands."""

    def __init__(self, env: AGIEnvironment, write: Callable[[bytes], None]) -> None:
        self.env = env
        self.hung_up = False
        self._write = write
        self._queue: deque[_Command] = deque()
        self._in_flight: _Command | None = None
        self._lost: str | None = None

    def command(self, *words: str) -> Deferred[Reply]:
        """Send any AGI command, every word quoted; fires with the 2xx ``Reply``.

        Raises ``InvalidCommand`` (a ``ValueError``) at once, before anything is written,
        if a word holds CR, LF or NUL.  A non-2xx reply errbacks with ``AGICommandError``.
        """
        return self._submit(words, keywords=0)

    def get_variable(self, name: str) -> Deferred[str | None]:
        """``GET VARIABLE``: the value, or None if the variable is not set."""
        d = self._submit(("GET", "VARIABLE", name), keywords=2)
        return d.addCallback(lambda r: (r.data or "") if r.result == "1" else None)

    def set_variable(self, name: str, value: str) -> Deferred[Reply]:
        """``SET VARIABLE name value`` (e.g. ``CALLERID(name)``)."""
        return self.set_variables(((name, value),))

    def set_variables(self, variables: Iterable[tuple[str, str]]) -> Deferred[Reply]:
        """Set each ``(name, value)`` in order, as one step.

        Several variables go in one ``EXEC MSet`` (one round trip) when ``mset_argument``
        allows it; a negative result (MSet not found) fails it with ``AGICommandError``.
        Otherwise each is a ``SET VARIABLE`` written after the previous reply: the first
        non-2xx reply fails the step with ``AGICommandError`` and the rest are not sent;
        so does a hang-up (``AGIHangup``) before the last is sent.  Either way it fires
        with the last reply, and every line is checked (``InvalidCommand`` at once, as
        for one command) before any is written.
        """
        return self._variables_step(variables, final=False)

    def finish_with_variables(self, variables: Iterable[tuple[str, str]]) -> Deferred[None]:
        """``set_variables`` as the handler's last step: fires with None as soon as its
        last line is written, without waiting for Asterisk's reply, so that the
        connection closes at once.

        Asterisk runs a command it has read even if the script closed the connection
        after sending it (``AGISTATUS`` stays ``SUCCESS``); its reply is dropped, so a
        failure of that line is not reported.  The lines before it (several ``SET
        VARIABLE``) still wait for their replies and stop at the first failure.
        """
        return cast("Deferred[None]", self._variables_step(variables, final=True))

    def _variables_step(self, variables: Iterable[tuple[str, str]], final: bool) -> Deferred[Reply]:
        variables = tuple(variables)
        data = mset_argument(variables) if len(variables) > 1 else None
        if data is not None:
            line = encode_command(("EXEC", "MSet", data), keywords=1)
            return self._enqueue([line], exec_app=True, final=final)
        lines = [encode_command(("SET", "VARIABLE", n, v), keywords=2) for n, v in variables]
        if not lines:
            raise InvalidCommand("set_variables: no variable to set")
        return self._enqueue(lines, final=final)

    def verbose(self, message: str, level: int = 1) -> Deferred[Reply]:
        """``VERBOSE``: write ``message`` to the Asterisk console at ``level``."""
        return self._submit(("VERBOSE", message, str(int(level))), keywords=1)

    def exec_app(self, application: str, *args: str) -> Deferred[Reply]:
        """``EXEC``: run a dialplan application, each of ``args`` one argument (escaped).

        Fits applications that parse standard arguments (``Dial``, ``Playback``,
        ``UserEvent``...).  ``Set``, ``MSet``, ``Goto`` and ``NoOp`` read their text their
        own way: set variables with ``set_variable`` or ``set_variables``.
        """
        data = ",".join(app_argument(arg) for arg in args)
        return self._submit(("EXEC", application, data), keywords=1)

    def set_callerid(self, value: str) -> Deferred[Reply]:
        """``SET CALLERID``: set the whole caller ID (``"Name" <number>``)."""
        return self._submit(("SET", "CALLERID", value), keywords=2)

    # Called by the protocol.

    @property
    def waiting(self) -> bool:
        """Whether a command written awaits its reply."""
        return self._in_flight is not None

    def reply_received(self, reply: Reply) -> bool:
        """Deliver a final reply to the command in flight; False if none was waiting."""
        command = self._in_flight
        if command is None:
            return False
        more = len(command.lines) > 1
        if reply.ok and more and command.deferred is not None and not self.hung_up:
            del command.lines[0]  # the next command of the same step
            self._write(command.lines[0])
            self._written(command)
            return True
        self._in_flight = None
        if command.deferred is not None:
            if not reply.ok or (command.exec_app and (reply.number or 0) < 0):
                command.deferred.errback(AGICommandError(command.name, reply))
            elif more:
                command.deferred.errback(AGIHangup(f"channel {self.env.channel} hung up"))
            else:
                command.deferred.callback(reply)
        self._send_next()
        return True

    def hangup_received(self) -> None:
        """Mark the channel hung up and fail the commands not yet written."""
        self.hung_up = True
        self._fail_queued(AGIHangup(f"channel {self.env.channel} hung up"))

    def connection_lost(self, reason: str) -> None:
        """Fail every pending command with ``AGIConnectionLost(reason)``."""
        self._lost = reason
        command, self._in_flight = self._in_flight, None
        self._fail_queued(AGIConnectionLost(reason))
        if command is not None and command.deferred is not None:
            command.deferred.errback(AGIConnectionLost(f"{command.name}: {reason}"))

    def _submit(self, words: Sequence[str], keywords: int) -> Deferred[Reply]:
        return self._enqueue([encode_command(words, keywords=keywords)])

    def _enqueue(
        self, lines: list[bytes], *, exec_app: bool = False, final: bool = False
    ) -> Deferred[Reply]:
        command = _Command(lines, exec_app=exec_app, final=final)
        if self._lost is not None:
            return fail(AGIConnectionLost(f"{command.name}: {self._lost}"))
        if self.hung_up:
            return fail(AGIHangup(f"{command.name}: channel {self.env.channel} hung up"))
        command.deferred = deferred = Deferred(lambda d: self._cancel(command))
        self._queue.append(command)
        if self._in_flight is None:
            self._send_next()
        return deferred

    def _send_next(self) -> None:
        if self._in_flight is None and self._queue:
            self._in_flight = self._queue.popleft()
            self._write(self._in_flight.lines[0])
            self._written(self._in_flight)

    @staticmethod
    def _written(command: _Command) -> None:
        """Fire a final step once its last line is out; its reply will be dropped."""
        if command.final and len(command.lines) == 1 and command.deferred is not None:
            deferred, command.deferred = command.deferred, None
            deferred.callback(None)  # type: ignore[arg-type]  # a final step fires with None

    def _cancel(self, command: _Command) -> None:
        if command is self._in_flight:
            command.deferred = None  # its reply will still come: keep the slot, drop the result
        elif command in self._queue:
            self._queue.remove(command)

    def _fail_queued(self, error: Exception) -> None:
        queued, self._queue = self._queue, deque()
        for command in queued:
            if command.deferred is not None:
                command.deferred.errback(error)
