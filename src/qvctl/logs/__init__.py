"""`qvctl logs`: the local platform's log files as one stream, merged by time and filtered.

Every component writes its own format (JSON lines for the API, nginx, etcd and PostgreSQL; its
native text lines for Patroni, Redis, pgBackRest, supervisord and the exporters). Each format has
a parser that finds where a record starts, its time, level and request id (`formats`); lines that
start no record (tracebacks, initdb's output, DETAIL lines) stay attached to the record before
them (`assemble`). `sources` finds the files of an environment, `history` reads their last records,
`follow` reads what is appended, `query` holds the filters and `render` prints.
"""
