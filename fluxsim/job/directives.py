"""RFC 36 submission directives: the ``flux:`` lines of a batch script.

flux-core 0.88's ``flux.job.directives``.  A batch script may carry its own
submission options, one directive a line, behind a sentinel: a prefix of
non-word characters (the script language's comment mark, any indent) and
``flux:`` or ``FLUX:``::

    #!/bin/sh
    #FLUX: -N2 --job-name=sim
    #FLUX: -t 10m   # a comment ends the directive
    srun ...

``flux batch`` applies them in order, then its own command line over them.
The rules, each with Flux's error (a ValueError naming the line):

- a directive is split as a POSIX shell splits a command line (quotes,
  ``#`` comments); it must start with an option (``SETARGS``) or be empty
  (``NOOP``), else "Unknown directive";
- every directive of a file uses the first one's sentinel, exactly;
- directives end at the first non-blank line that does not start with the
  sentinel's comment mark (the script itself): a directive after that is an
  "orphan";
- a value may span lines between triple quotes (``\"\"\"`` or ``'''`` ending
  each of its first and last lines); the lines between keep their text
  less the first line's indent, and the value reaches the option as one
  word.  Inline, a paired triple-quoted string is one word too.

>>> lines = ["#!/bin/sh", "#FLUX: -N2 -q batch", "#FLUX: -t 10m  # ten minutes", "hostname"]
>>> [d.args for d in DirectiveParser(line + "\\n" for line in lines).directives]
[['-N2', '-q', 'batch'], ['-t', '10m']]
"""

import re
import shlex

__all__ = ["Directive", "MultiLine", "DirectiveParser"]

# prefix, sentinel tag, value: everything after the tag (newline excluded)
_SENTINEL = re.compile(r"^(\W*)((?:flux|FLUX):)(.*)$")
_TRIPLES = ('"""', "'''")
# three quote characters of any kind with more text after them: a triple
# quote that neither pairs inline nor ends the line
_STRAY_TRIPLE = re.compile(r"""["']{3}.""")
_INLINE_TRIPLE = re.compile(r"""(["']{3})(.*)\1""")


def _lex(value):
    """Words of ``value`` as a POSIX shell splits them, with flux's shlex settings.

    Punctuation is kept inside words (``--foo=bar`` stays one), and a quote
    of either kind may be escaped inside double quotes.
    """
    lexer = shlex.shlex(value, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.escapedquotes = "\"'"
    return list(lexer)


class Directive:
    """One directive: its words (``args``), ``action`` and source ``lineno``.

    ``value`` is the directive's text after the sentinel.  ``action`` is
    ``SETARGS`` (options for the submission command) or ``NOOP`` (nothing
    but blanks or a comment).
    """

    def __init__(self, value, lineno=-1):
        self.lineno = lineno
        try:
            self.args = _lex(value)
        except ValueError as exc:
            raise ValueError(f"line {lineno}: {value}: {exc}") from None
        if not self.args:
            self.action = "NOOP"
        elif self.args[0].startswith("-"):
            self.action = "SETARGS"
        else:
            raise ValueError(f"line {lineno}: Unknown directive: {value}")

    def __str__(self):
        return f"{self.action}({self.args})"


class MultiLine:
    """A value being collected between triple quotes, line by line.

    ``process(value, lineno)`` takes a directive that ends in a triple
    quote: the first opens the value, the next with the same quotes closes
    it and returns the directive text, the collected lines quoted as one
    shell word.  Lines in between go to ``append``.
    """

    def __init__(self):
        self.startline = -1
        self._reset()

    def _reset(self):
        # the start line stays: the parser files the closed directive under it
        self.triplequote = None
        self.inprogress = False
        self.start = None
        self.indent = ""
        self.lines = []

    def append(self, value):
        """Collect a line, less the opening line's indent where it has it."""
        self.lines.append(value[len(self.indent):] if value.startswith(self.indent) else value)

    def process(self, value, lineno):
        """Open or close on ``value`` (which ends in a triple quote); the text when closed."""
        quotes = value[-3:]
        if not self.inprogress:
            stripped = value.lstrip()
            self.triplequote, self.inprogress = quotes, True
            self.indent = value[: len(value) - len(stripped)]
            self.start, self.startline = stripped, lineno
            self.append(value[:-3])
            return None
        if quotes != self.triplequote:
            self.append(value)  # the other kind of quotes: text of the value
            return None
        self.append(value[:-3])
        return self.finish()

    def finish(self):
        """The directive text: the opening line, then the value as one quoted word."""
        head, *body = self.lines
        text = head + shlex.quote("\n".join(body))
        if self.triplequote in text:
            raise ValueError(f"improperly terminated triple quoted string at: `{self.start}'")
        self._reset()
        return text


class DirectiveParser:
    """The directives of a script read from ``inputfile`` (lines of text).

    Attributes:
        directives: the :class:`Directive` objects, in order.
        script: the whole text read.
        sentinel, prefix: the first directive's sentinel and its prefix.
    """

    def __init__(self, inputfile):
        self.directives = []
        self.script = ""
        self.re = _SENTINEL
        self.sentinel = None
        self.prefix = None
        self.line = 0
        multiline = MultiLine()
        disabled_after = None  # the last line that could hold a directive
        for lineno, line in enumerate(inputfile, 1):
            self.script += line
            match = _SENTINEL.match(line)
            if match is None:
                if multiline.inprogress:
                    raise ValueError(
                        f"line {lineno}: unterminated multi-line quote at line "
                        f"{multiline.startline}: `{multiline.start}'")
                if (self.prefix is not None and disabled_after is None and line.strip()
                        and not line.startswith(self.prefix.rstrip())):
                    disabled_after = lineno - 1
                continue
            prefix, tag, value = match.groups()
            if disabled_after is not None:
                raise ValueError(f"line {lineno}: orphan '{tag}' detected: "
                                 f"directives disabled after line {disabled_after}")
            try:
                value = self.triplequote(value)
            except ValueError as exc:
                raise ValueError(f"line {lineno}: {exc}") from None
            self._same_sentinel(prefix, tag, value, lineno)
            if value.endswith(_TRIPLES):
                text = multiline.process(value, lineno)
                if text:
                    self.append(text, multiline.startline)
            elif multiline.inprogress:
                multiline.append(value)
            elif value:
                self.append(value, lineno)

    def _same_sentinel(self, prefix, tag, value, lineno):
        """Keep the first sentinel; any other is an error that says how to disable a line."""
        sentinel = prefix + tag
        if self.sentinel is None:
            self.sentinel, self.prefix = sentinel, prefix
        elif sentinel != self.sentinel:
            raise ValueError(
                f"line {lineno}: sentinel changed from '{self.sentinel}' to '{sentinel}'\n\n"
                "All directives in a file must use the same sentinel.\n\n"
                "If you're trying to disable this directive, place a comment\n"
                "character AFTER the sentinel, not in the prefix:\n\n"
                f"  {self.sentinel} # {value.lstrip()}\n\n"
                "The '#' character comments out the rest of the line, making\n"
                "this directive a no-op while maintaining the same sentinel.")

    def triplequote(self, value):
        """``value`` with each inline triple-quoted string made one shell word.

        A triple quote that is neither paired on the line nor at its end
        (where a multi-line value opens or closes) is an error.
        """
        if any(value.count(q) and value.count(q) % 2 == 0 for q in _TRIPLES):
            return _INLINE_TRIPLE.sub(lambda m: shlex.quote(m[2]), value)
        if _STRAY_TRIPLE.search(value):
            raise ValueError(f"unclosed triple quote: {value.strip()}")
        return value

    def append(self, value, lineno):
        """Add the directive ``value`` found at ``lineno``."""
        self.directives.append(Directive(value, lineno))
