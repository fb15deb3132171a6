"""One small adapter per driver: connect, cursor, pool; the workloads use DB-API cursors."""
