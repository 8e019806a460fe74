"""twistd reactor ``xivo``: ``twistd --reactor=xivo -n xivo-agid`` (see ``xivo.ops.reactor``)."""

from twisted.application.reactors import Reactor

xivo = Reactor("xivo", "xivo.ops.reactor", "epoll without the per-event log context")
