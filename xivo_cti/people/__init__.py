"""The contacts (people) panel of the desktop client: colleagues and personal contacts.

Search covers the CTI users and the user's own personal contacts, both held by
xivo-ctid (never the AGI side's directories).  ``People`` answers the panel's classes
(``CLASSES``); the rows carry the ids the client registers for live status.
"""

from xivo_cti.people._contacts import ContactError, contact_from_infos, export_csv, import_csv
from xivo_cti.people._people import CLASSES, People
from xivo_cti.people._rows import COLUMNS, headers_message, user_relations
from xivo_cti.people._search import UserIndex

__all__ = [
    "CLASSES",
    "COLUMNS",
    "ContactError",
    "People",
    "UserIndex",
    "contact_from_infos",
    "export_csv",
    "headers_message",
    "import_csv",
    "user_relations",
]
