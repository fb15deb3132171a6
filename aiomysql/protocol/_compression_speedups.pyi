"""Type stubs of the compiled twin (_compression_speedups.pyx); renumber.py documents it."""

def renumber_packets(
    data: bytearray, skip: int, index: int, length: int, seq: int
) -> tuple[int, int, int, int]: ...
