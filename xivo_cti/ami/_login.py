"""The AMI login exchange: ``Login`` with the secret, or with an MD5 key.

With MD5, a ``Challenge`` action comes first and ``Login`` carries the hex MD5 of the
challenge followed by the secret, so the secret itself never crosses the wire.  A
refused login (an Error response, to Challenge or to Login) becomes
``AMIAuthenticationError``, whose text names the user but never the secret.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from xivo_cti.ami._action import Headers
from xivo_cti.ami._errors import AMIActionError, AMIAuthenticationError
from xivo_cti.ami._message import Message

__all__ = ["SendAction", "authenticate"]

SendAction = Callable[[str, Headers], Deferred[Message]]


def authenticate(
    send_action: SendAction, username: str, secret: str, events: str = "on", md5: bool = False
) -> Deferred[Message]:
    """Log in through ``send_action``; fires with the Login response.

    Errbacks ``AMIAuthenticationError`` if refused; other failures pass unchanged.
    """

    def send_login(credentials: list[tuple[str, str]]) -> Deferred[Message]:
        return send_action("Login", [("Username", username), *credentials, ("Events", events)])

    if md5:
        d = send_action("Challenge", [("AuthType", "MD5")])

        def answer(challenge: Message) -> Deferred[Message]:
            text = challenge.get("Challenge", "") + secret
            key = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
            return send_login([("AuthType", "MD5"), ("Key", key)])

        d.addCallback(answer)
    else:
        d = send_login([("Secret", secret)])

    def refused(failure: Failure) -> Failure:
        if failure.check(AMIActionError):
            reason = failure.value.message.get("Message") or "refused"
            raise AMIAuthenticationError(f"AMI login as {username!r} refused: {reason}")
        return failure

    return d.addErrback(refused)
