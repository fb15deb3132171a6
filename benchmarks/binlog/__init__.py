"""The binlog decoding benchmark (binlog_bench.py) and its per-library clients."""
