from benchmarks.cti_fanout.wsclient import FrameReader, MessageCounter
from xivo_cti.web._frames import text_frame

MESSAGES = [b'{"class":"phones","n":%d}' % n for n in range(40)] + [b'{"class":"x"}']
STREAM = b"".join(text_frame(m) for m in MESSAGES)


def reads_of(size: int) -> list[bytes]:
    return [STREAM[at : at + size] for at in range(0, len(STREAM), size)]


def test_counter_counts_each_message_once_whatever_the_reads() -> None:
    buffer = bytearray(1 << 12)
    for size in range(1, 60):
        counter = MessageCounter()
        for read in reads_of(size):
            buffer[: len(read)] = read
            total = counter.feed(buffer, len(read))
        assert total == len(MESSAGES), size


def test_counter_reads_only_the_bytes_of_this_read() -> None:
    buffer = bytearray(b'{"class":' * 10)
    counter = MessageCounter()
    assert counter.feed(buffer, 9) == 1


def test_frame_reader_gives_every_payload_whatever_the_reads() -> None:
    for size in (1, 2, 7, 100, len(STREAM)):
        reader = FrameReader()
        payloads = [p for read in reads_of(size) for p in reader.feed(read)]
        assert payloads == MESSAGES, size
