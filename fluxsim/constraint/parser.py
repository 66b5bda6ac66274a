"""RFC 35 constraint query syntax, parsed into an RFC 31 constraint object.

``ConstraintParser`` mirrors flux-core 0.88's ``flux.constraint.parser``
class of the same name: terms are ``[operator:]operand``, joined by ``and``
(``&``, ``&&``, or nothing at all), ``or`` (``|``, ``||``) and ``not``, with
``-term`` for a negated term, parentheses, and quotes around operands that
contain spaces or operator characters::

    >>> class Parser(ConstraintParser):
    ...     operator_map = {None: "properties", "host": "hostlist"}
    ...     split_values = {"properties": ","}
    ...     combined_terms = {"properties"}
    >>> Parser().parse("ib,gpu -host:n1 | rank:0")
    {'or': [{'and': [{'properties': ['ib', 'gpu']}, {'not': [{'hostlist': ['n1']}]}]}, {'rank': ['0']}]}

Flux builds this with a generated LALR table; this is a precedence-climbing
parser with the same grammar and conflict resolution, so it gives the same
objects for the same queries, errors (``ConstraintSyntaxError``) included.
In particular, as in Flux, ``or`` binds tighter than juxtaposition (``a|b c``
is ``(a|b) c``) but looser than ``&``, and ``not`` takes a whole run of
juxtaposed terms only when they start with ``not`` or ``-``.
"""

import re

__all__ = ["ConstraintParser", "ConstraintSyntaxError"]


class ConstraintSyntaxError(Exception):
    """A constraint query that does not parse (flux's exception of this name)."""


# Token rules of the default lexer state, tried in this order at each position
# (the first that matches wins, as in ply's master regex).
_RULES = re.compile(
    r"(?P<NEGATE>-)|(?P<NOT>not\b)|(?P<AND>&{1,2}|and\b)|(?P<OR>\|{1,2}|or\b)"
    r"|(?P<LPAREN>\()|(?P<RPAREN>\))|(?P<TOKEN>[^()|&\s\"']+)|(?P<QUOTE>'|\")"
)
_IGNORED = " \t\r\n\f\v"

# How tightly the token after a complete expression binds to it: AND and OR
# are infix; a token that starts an expression joins by juxtaposition (an
# implicit AND) with its own level (the levels of flux's precedence table,
# 0 for tokens without one).
_OR, _AND, _NOT, _NEGATE = 1, 2, 3, 4
_BINDING = {"OR": _OR, "AND": _AND, "NOT": _NOT, "NEGATE": _NEGATE, "TOKEN": 0, "LPAREN": 0}


class _Token:
    __slots__ = ("type", "value", "lexpos")

    def __init__(self, type, value, lexpos):
        self.type = type
        self.value = value
        self.lexpos = lexpos


class _Lexer:
    """The token stream of a query, with the state flux's error messages use."""

    def __init__(self, query):
        self.query = query
        self.pos = 0
        self.parens_level = 0
        self.last_lparens = 0
        self.last_rparens = 0
        self.pending = None
        self.quote = None  # (quote character, position after it) inside quotes

    def _finish(self, token):
        """A TOKEN, joined to a pending ``operator:`` before it; None while one is pending."""
        if self.pending is not None:
            token.value = self.pending.value + token.value
            self.pending = None
            return token
        if token.value.endswith(":"):
            self.pending = token
            return None
        return token

    def _quoted(self):
        """The next token inside quotes: the text up to the closing quote."""
        quote, start = self.quote
        query = self.query
        if self.pos >= len(query):
            text = "\"'\"" if quote == "'" else "'\"'"
            raise ConstraintSyntaxError(f"Unclosed quote {text} at position {start}")
        if query[self.pos] == quote:
            self.pos += 1
            self.quote = None
            return None
        end = query.find(quote, self.pos)
        end = len(query) if end < 0 else end
        token = _Token("TOKEN", query[self.pos : end], self.pos)
        self.pos = end
        return self._finish(token)

    def _plain(self):
        """The next token outside quotes (None for a quote or a pending operator)."""
        query = self.query
        match = _RULES.match(query, self.pos)
        if match is None:
            raise ConstraintSyntaxError(f"Illegal character '{query[self.pos]}' at position {self.pos}")
        kind, value, start = match.lastgroup, match.group(), self.pos
        self.pos = match.end()
        if kind == "QUOTE":
            self.quote = (value, self.pos)
            return None
        token = _Token(kind, value, start)
        if kind == "TOKEN":
            return self._finish(token)
        if kind == "LPAREN":
            self.parens_level += 1
            self.last_lparens = start
        elif kind == "RPAREN":
            self.parens_level -= 1
            self.last_rparens = start
        return token

    def next(self):
        """The next token, or None at the end of the query."""
        query = self.query
        while True:
            if self.quote is not None:
                token = self._quoted()
            else:
                while self.pos < len(query) and query[self.pos] in _IGNORED:
                    self.pos += 1
                if self.pos >= len(query):
                    if self.pending is not None:
                        raise ConstraintSyntaxError(f"Missing argument to token '{self.pending.value}'")
                    return None
                token = self._plain()
            if token is not None:
                return token


class ConstraintParser:
    """RFC 35 constraint query parser (see the module docstring).

    Subclasses configure it with class attributes:

    Attributes:
        operator_map (dict): operator aliases; the key None names the
            operator of a term without one (else such a term is an error).
        split_values (dict): operator -> separator on which its operand is
            split into several values.
        combined_terms (set): operators whose values are merged when their
            terms are ANDed (``a:x a:y`` -> ``{"a": ["x", "y"]}``).
    """

    operator_map = {}
    split_values = {}
    combined_terms = set()

    def __init__(self, lexer=None, optimize=True, debug=False, write_tables=False, **kw_args):
        # flux's arguments configure its ply tables; there are none here
        self.query = None
        self._lexer = None
        self._lookahead = None

    def parse(self, query, **kw_args):
        """Return the RFC 31 constraint object (a dict) of ``query``.

        Raises:
            ConstraintSyntaxError: the query does not parse.
        """
        self.query = query
        self._lexer = _Lexer(query)
        self._lookahead = self._lexer.next()
        result = self._expression(-1)
        if self._lookahead is not None:
            self._error(self._lookahead)
        return result

    # -- the grammar --------------------------------------------------------------

    def _advance(self):
        token = self._lookahead
        self._lookahead = self._lexer.next()
        return token

    def _error(self, token):
        lexer = self._lexer
        if token is None:
            if lexer.parens_level > 0:
                raise ConstraintSyntaxError(f"Unclosed parenthesis in position {lexer.last_lparens}")
            raise ConstraintSyntaxError(f"Unexpected end of input in '{self.query}'")
        if lexer.parens_level < 0:
            # flux's message lacks the f-string prefix; kept as it reads
            raise ConstraintSyntaxError(
                "Mismatched parentheses starting at position {self.lexer.last_rparens}."
            )
        raise ConstraintSyntaxError(f"Invalid token '{token.value}' at position {token.lexpos}")

    def _expression(self, level):
        """An expression, extended while the next token binds tighter than ``level``."""
        left = self._operand()
        while self._lookahead is not None:
            kind = self._lookahead.type
            binding = _BINDING.get(kind)
            if binding is None or binding <= level:
                return left
            if kind == "OR":
                self._advance()
                right = self._expression(_OR)
                if "or" in left:
                    left["or"].append(right)
                else:
                    left = {"or": [left, right]}
            elif kind == "AND":
                self._advance()
                left = self.combine_like_terms(left, self._expression(_AND))
            else:
                # juxtaposition: an implicit AND with the expression that follows
                left = self.combine_like_terms(left, self._expression(_AND))
        return left

    def _operand(self):
        token = self._lookahead
        kind = token.type if token is not None else None
        if kind == "TOKEN":
            # as in flux's LALR parser, the next token is read (and may fail
            # to lex) before the term is converted (and may fail)
            self._advance()
            return self._term(token.value)
        if kind == "NOT":
            self._advance()
            # right associative: a following NOT or NEGATE belongs to the operand
            return {"not": [self._expression(_NOT - 0.5)]}
        if kind == "NEGATE":
            self._advance()
            token = self._lookahead
            if token is None or token.type != "TOKEN":
                self._error(token)
            self._advance()
            return {"not": [self._term(token.value)]}
        if kind == "LPAREN":
            self._advance()
            inner = self._expression(-1)
            if self._lookahead is None or self._lookahead.type != "RPAREN":
                self._error(self._lookahead)
            self._advance()
            return inner
        self._error(token)

    def _term(self, text):
        op, colon, value = text.partition(":")
        if not colon:
            if None not in self.operator_map:
                raise ConstraintSyntaxError(f'Missing required operator in "{text}"')
            op, value = self.operator_map[None], text
        elif op in self.operator_map:
            op = self.operator_map[op]
        invalid = self.invalid_operator(op)
        if invalid:
            raise ConstraintSyntaxError(f"invalid character '{invalid}' in operator '{op}:'")
        if op in self.split_values:
            return {op: value.split(self.split_values[op])}
        return {op: [value]}

    @staticmethod
    def invalid_operator(op):
        """The first character not allowed in an operator name, or None."""
        match = re.search(r"[^\w.+@-]", op)
        return match[0] if match else None

    def combine_like_terms(self, p1, p2):
        """``p1`` AND ``p2``, merging the values of ``combined_terms`` operators."""
        entries = [p1, p2]
        if "and" in p1:
            p1["and"].append(p2)
            entries = [p1]
        combined = {}
        terms = []
        for entry in entries:
            key = next(iter(entry))
            if key not in self.combined_terms:
                terms.append(entry)
            elif key not in combined:
                combined[key] = entry[key]
                terms.append(entry)
            else:
                combined[key].extend(entry[key])
        return terms[0] if len(terms) == 1 else {"and": terms}
