"""What qvctl's exit codes mean. Every command exits with one of these, nothing else."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    FAILED = 1  # a step, check or health gate failed; the message says which
    INVALID_INPUT = 2  # a wrong spec, file or argument
    # `qvctl drift` found the environment differs from the code: 2, as `terraform plan -detailed-exitcode`
    # says "changes". The same number as INVALID_INPUT (an alias), so a script tells them apart by the
    # output: drift's table or JSON on stdout, an invalid input's one-line error on stderr.
    DRIFT = 2
    MISSING_TOOL = 3  # an external tool qvctl drives is not installed
    LOCKED = 4  # another qvctl holds the environment's lock
    UNREACHABLE = 5  # an endpoint qvctl must talk to does not answer
    INTERRUPTED = 130  # Ctrl-C; the environment is left resumable
