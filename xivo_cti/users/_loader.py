"""Validate user records (from YAML or SQL rows) into ``User`` objects.

A users file is either a list of users, or a mapping with ``users`` (that list) and
optional ``profiles`` (name -> lists, commands, supervisor) adding to the built-in
``supervisor``, ``agent`` and ``user`` profiles.  Plaintext passwords are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from xivo.config import ConfigError, build
from xivo_cti._names import check_ipbx_id
from xivo_cti.users._hashing import is_password_hash
from xivo_cti.users._model import ALL_COMMANDS, ALL_LISTS, BUILTIN_PROFILES, Profile, User

__all__ = ["parse_users_text", "users_from_records"]

_SAFE = re.compile(r"[^\x00-\x1f\x7f\"<>]*")
_LINE = re.compile(r"[A-Za-z][A-Za-z0-9]*[/:][A-Za-z0-9_.@+*#-]+")
_EXTEN = re.compile(r"[0-9A-Za-z*#+_.-]{1,40}")
_AGENT = re.compile(r"[0-9]{0,18}")


def _nonempty_safe(value: str) -> None:
    if not value or not _SAFE.fullmatch(value):
        raise ValueError("must be non-empty, without control characters, quotes or <>")


def _safe(value: str) -> None:
    if not _SAFE.fullmatch(value):
        raise ValueError("must not hold control characters, quotes or <>")


def _line(value: str) -> None:
    if not _LINE.fullmatch(value):
        raise ValueError(f"not a device such as PJSIP/alice or Custom:alice: {value!r}")


def _exten(value: str) -> None:
    if not _EXTEN.fullmatch(value):
        raise ValueError(f"not an extension: {value!r}")


def _agent(value: str) -> None:
    if not _AGENT.fullmatch(value):
        raise ValueError(f"not an agent id (digits): {value!r}")


def _ipbx(value: str) -> None:
    if value:
        check_ipbx_id(value)


def _hash(value: str) -> None:
    if not is_password_hash(value):
        raise ValueError(
            "not an argon2id or bcrypt hash (plaintext passwords are refused;"
            " make a hash with xivo-ctid-passwd)"
        )


@dataclass(frozen=True)
class _UserEntry:
    login: str = ""
    password_hash: str = ""
    line: str = ""
    extension: str = ""
    context: str = "default"
    profile: str = "user"
    fullname: str = ""
    id: str = ""
    agent: str = ""
    ipbx: str = ""


# metadata checks are attached here to keep the dataclass above readable
_CHECKS = {
    "login": _nonempty_safe,
    "password_hash": _hash,
    "line": _line,
    "extension": _exten,
    "context": _exten,
    "profile": _nonempty_safe,
    "fullname": _safe,
    "id": _safe,
    "agent": _agent,
    "ipbx": _ipbx,
}


@dataclass(frozen=True)
class _ProfileEntry:
    lists: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    supervisor: bool = False


def _entry(record: Any, path: str) -> _UserEntry:
    entry = build(_UserEntry, record, path)
    for name, check in _CHECKS.items():
        try:
            check(getattr(entry, name))
        except ValueError as e:
            raise ConfigError(f"{path}.{name}: {e}") from None
    return entry


def _profiles(data: Any, path: str) -> dict[str, Profile]:
    profiles = dict(BUILTIN_PROFILES)
    if data is None:
        return profiles
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of profile names")
    for name, raw in data.items():
        entry = build(_ProfileEntry, raw, f"{path}.{name}")
        for key, allowed in (("lists", ALL_LISTS), ("commands", ALL_COMMANDS)):
            unknown = set(getattr(entry, key)) - allowed
            if unknown:
                raise ConfigError(f"{path}.{name}.{key}: unknown {sorted(unknown)[0]!r}")
        profiles[str(name)] = Profile(
            name=str(name),
            lists=frozenset(entry.lists),
            commands=frozenset(entry.commands),
            supervisor=entry.supervisor,
        )
    return profiles


def users_from_records(
    records: Iterable[Any], origin: str, profiles: Mapping[str, Profile] = BUILTIN_PROFILES
) -> tuple[User, ...]:
    """Validate user records; ids default to the 1-based position.  Raises ``ConfigError``."""
    users: list[User] = []
    logins: set[str] = set()
    ids: set[str] = set()
    for index, record in enumerate(records):
        path = f"{origin}[{index}]"
        entry = _entry(record, path)
        if entry.profile not in profiles:
            raise ConfigError(f"{path}.profile: unknown profile {entry.profile!r}")
        user_id = entry.id or str(index + 1)
        if entry.login in logins:
            raise ConfigError(f"{path}.login: duplicate login {entry.login!r}")
        if user_id in ids:
            raise ConfigError(f"{path}.id: duplicate id {user_id!r}")
        logins.add(entry.login)
        ids.add(user_id)
        users.append(
            User(
                id=user_id,
                login=entry.login,
                password_hash=entry.password_hash,
                line=entry.line,
                extension=entry.extension,
                context=entry.context,
                profile=profiles[entry.profile],
                fullname=entry.fullname or entry.login,
                agent=entry.agent,
                ipbx=entry.ipbx,
            )
        )
    return tuple(users)


def parse_users_text(text: str, origin: str) -> tuple[User, ...]:
    """Parse a users file's text (a list, or ``{users: [...], profiles: {...}}``)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{origin}: invalid YAML: {e}") from None
    if data is None:
        data = {}
    elif isinstance(data, list):
        data = {"users": data}
    elif not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a list of users or a mapping")
    unknown = set(data) - {"users", "profiles"}
    if unknown:
        raise ConfigError(f"{origin}: unknown key {sorted(unknown)[0]!r} (known: profiles, users)")
    records = data.get("users") or []
    if not isinstance(records, list):
        raise ConfigError(f"{origin}: users: expected a list of users")
    profiles = _profiles(data.get("profiles"), f"{origin}: profiles")
    return users_from_records(records, f"{origin}: users", profiles)
