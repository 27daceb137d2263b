"""User-facing errors: one line, no traceback, exit code 2."""


class TomasError(Exception):
    """An error caused by the user's input (a file, a flag, a checkpoint).

    The CLI prints ``error: <message>`` on one line and exits with ``EXIT_CODE``.
    """

    EXIT_CODE = 2


class DataError(TomasError):
    """A registry or profiling file is missing, unreadable or malformed."""
