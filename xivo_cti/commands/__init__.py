"""Client commands, the way back: request -> authorisation (reading the state) -> one
typed ``Asterisk`` interface.  Nothing here knows the transport the request came by."""

from xivo_cti._errors import CommandError
from xivo_cti.commands._asterisk import AMIActions, Asterisk, LocalAsterisk
from xivo_cti.commands._context import CommandContext
from xivo_cti.commands._dispatch import HANDLERS, LIMITED, Commands, Reply
from xivo_cti.commands._rate import CommandRate

__all__ = [
    "HANDLERS",
    "LIMITED",
    "AMIActions",
    "Asterisk",
    "CommandContext",
    "CommandError",
    "CommandRate",
    "Commands",
    "LocalAsterisk",
    "Reply",
]
