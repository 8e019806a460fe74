"""Code shared by xivo-agid and xivo-ctid: configuration, wire framing, operations."""
