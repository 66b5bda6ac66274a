"""Command lines as flux's C commands read them (libutil optparse over getopt_long).

Options come before the first other word (or ``--``); long options take
``--name=value`` or ``--name value``, short ones cluster (``-lr0``), and
none abbreviates.  Errors are optparse's words, for ``prog: ...`` on
stderr and status 1.
"""

__all__ = ["OptparseError", "parse"]


class OptparseError(Exception):
    """A command line optparse refuses: its message."""


def parse(prog, table, argv):
    """(``{long name: value or True}``, the words after the options) of
    ``argv``; ``table`` maps each long name to (its short letter or None,
    whether it takes a value)."""
    short = {letter: name for name, (letter, _) in table.items() if letter}
    unknown = "unrecognized option '{}'\nTry `" + prog + " --help' for more information."
    options = {}
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            i += 1
            break
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            if name not in table:
                raise OptparseError(unknown.format(word))
            if table[name][1] and not eq:
                i += 1
                if i == len(argv):
                    raise OptparseError(f"'--{name}' missing argument")
                value = argv[i]
            options[name] = value if table[name][1] else True
        elif word.startswith("-") and len(word) > 1:
            for k, letter in enumerate(word[1:], 1):
                name = short.get(letter)
                if name is None:
                    raise OptparseError(unknown.format("-" + letter))
                if not table[name][1]:
                    options[name] = True
                    continue
                value = word[k + 1:]
                if not value:
                    i += 1
                    if i == len(argv):
                        raise OptparseError(f"'-{letter}' missing argument")
                    value = argv[i]
                options[name] = value
                break
        else:
            break
        i += 1
    return options, argv[i:]
