"""xivo-agid and xivo-ctid in one process and one reactor (twistd plugin ``xivo``)."""
