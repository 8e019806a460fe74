"""Call history of CTI users: recorded from the live state's changes, answered to clients.

``HistoryRecorder`` turns channel changes into ``HistoryRow``s (pure); the rows go to the
``HistoryWriter`` of ``xivo_cti.userdata``; ``answer_history`` answers the ``history``
class from the store; ``HistoryRecording`` joins the first two on the data path.
"""

from xivo_cti.history._recorder import HistoryRecorder, LineOwner, line_owners
from xivo_cti.history._recording import HistoryRecording
from xivo_cti.history._reply import answer_history, history_message, requested_size

__all__ = [
    "HistoryRecorder",
    "HistoryRecording",
    "LineOwner",
    "answer_history",
    "history_message",
    "line_owners",
    "requested_size",
]
