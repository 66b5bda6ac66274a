"""RFC 35 constraint queries parse as flux-core 0.88's ``flux.constraint.parser`` parses them.

Expected objects and messages recorded from flux-core 0.88.0 (its
``MiniConstraintParser``, the ``--requires`` parser, and the bare
``ConstraintParser``), one case per rule of its grammar and lexer.
"""

import pytest

from fluxsim.constraint.parser import ConstraintParser, ConstraintSyntaxError
from fluxsim.job._utils import MiniConstraintParser


def props(*names):
    return {"properties": list(names)}


PARSED = [
    # juxtaposition is an AND that binds looser than "|" and merges properties
    ("a|b c", {"and": [{"or": [props("a"), props("b")]}, props("c")]}),
    ("a & b c", props("a", "b", "c")),
    ("(a b) c", props("a", "b", "c")),
    ("a,b c", props("a", "b", "c")),
    # "not" takes one term unless a "not"/"-" follows
    ("not a b", {"and": [{"not": [props("a")]}, props("b")]}),
    ("not a & b", {"and": [{"not": [props("a")]}, props("b")]}),
    ("a b not c d", {"and": [props("a"), {"and": [props("b"), {"not": [props("c")]}]}, props("d")]}),
    # operators map to RFC 31 names; unlike terms nest
    ("host:n[1-2] ib -rank:0",
     {"and": [{"hostlist": ["n[1-2]"]}, {"and": [props("ib"), {"not": [{"ranks": ["0"]}]}]}]}),
    # quotes make one token; an "op:" joins the token after it
    ("'x y' \"q:z\"", {"and": [props("x y"), {"q": ["z"]}]}),
    ("host: foo", {"hostlist": ["foo"]}),
    ("x:y:z", {"x": ["y:z"]}),
]  # fmt: skip

ERRORS = [
    ("a|", "Unexpected end of input in 'a|'"),
    ("-(a|b)", "Invalid token '(' at position 1"),
    ("--a", "Invalid token '-' at position 1"),
    ("(a", "Unclosed parenthesis in position 0"),
    # flux's message has a missing f-string prefix
    ("(a))", "Mismatched parentheses starting at position {self.lexer.last_rparens}."),
    ("foo and a:", "Missing argument to token 'a:'"),
    ("4g,host:foo", "invalid character ',' in operator '4g,host:'"),
    ("a 'b", "Unclosed quote \"'\" at position 3"),
    ("a\xa0b", "Illegal character '\xa0' at position 1"),
]


@pytest.mark.parametrize("query, expected", PARSED)
def test_requires_query_parses_as_flux(query, expected):
    assert MiniConstraintParser().parse(query) == expected


@pytest.mark.parametrize("query, message", ERRORS)
def test_syntax_errors_carry_flux_messages(query, message):
    with pytest.raises(ConstraintSyntaxError) as info:
        MiniConstraintParser().parse(query)
    assert str(info.value) == message


def test_bare_parser_requires_an_operator():
    with pytest.raises(ConstraintSyntaxError, match='Missing required operator in "foo"'):
        ConstraintParser().parse("foo")


def test_bare_parser_combines_no_terms():
    assert ConstraintParser().parse("t:x t:y") == {"and": [{"t": ["x"]}, {"t": ["y"]}]}
