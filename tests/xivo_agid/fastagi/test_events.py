"""Tests of the FastAGI parser events."""

import dataclasses

import pytest

from xivo_agid.fastagi._events import StreamEnded, UnexpectedLine


def test_events_are_frozen_and_keyword_only():
    """Events compare by value, refuse positional arguments and cannot be changed."""
    assert UnexpectedLine(line="x") == UnexpectedLine(line="x")
    with pytest.raises(TypeError):
        StreamEnded(True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        StreamEnded(incomplete=True).incomplete = False
