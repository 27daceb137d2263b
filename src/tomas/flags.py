"""The argument parser of every ``tomas`` command that is not a typed config (those go through
``tomas.config.parse_config``): flags are snake_case (``--planner_dir``), each also accepted with dashes
(``--planner-dir``, and the kebab-case names of ``tomas plan``'s resource flags), and a wrong flag or
choice is one ``error:`` line naming the nearest right one."""

from __future__ import annotations

import argparse
import difflib
import sys


def other_spelling(flag: str) -> str | None:
    """``--cpu-cores`` <-> ``--cpu_cores`` (None for a flag without either)."""
    if not flag.startswith("--"):
        return None
    body = flag[2:]
    swapped = body.replace("-", "_") if "-" in body else body.replace("_", "-")
    return None if swapped == body else "--" + swapped


class Parser(argparse.ArgumentParser):
    def add_argument(self, *names, **kwargs):
        aliases = [a for a in map(other_spelling, names) if a and a not in names]
        return super().add_argument(*names, *aliases, **kwargs)

    def known_flags(self) -> list[str]:
        return [s for a in self._actions for s in a.option_strings if s.startswith("--")]

    def error(self, message: str):
        if message.startswith("unrecognized arguments:"):
            unknown = [a.split("=")[0] for a in message.split(":", 1)[1].split() if a.startswith("-")]
            hints = [f"{u} (did you mean {close[0]}?)" for u in unknown
                     if (close := difflib.get_close_matches(u, self.known_flags(), n=1, cutoff=0.6))]
            if hints:
                message += "; " + "; ".join(hints)
        print(f"error: {self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def nearest(word: str, choices) -> str:
    """`` (did you mean X?)`` for the closest of ``choices``, or ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean {close[0]}?)" if close else ""
