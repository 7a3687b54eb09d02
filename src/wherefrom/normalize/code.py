"""Code normal form: whitespace, comments and layout do not matter.

Two channels share one token list: the exact token text, and an abstracted channel where
identifiers and literals become placeholders (finds copies with renamed variables).
Languages of the common families (Python-like `#` comments, C-like `//` and `/* */`,
SQL/Lua/Haskell-like `--`) go through a compiled lexer of the family's comment, string,
number, identifier and operator rules (the compiled core's `FamilyLexer`, pinned by the tests
to the family's regular expression, `reference_family_tokens`); every other language goes
through its Pygments lexer.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

import numpy as np

from wherefrom._core import lexers
from wherefrom.normalize.base import NormalForm, Normalizer, TokenIds, hash_token

IDENTIFIER = "\x00ID"
LITERAL = "\x00LIT"

_NUMBER = r"(?:0[xXbBoO][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)[a-zA-Z]*"
_IDENT = r"[^\W\d]\w*"
# Multi-character operators, tried in this order before any single non-space, non-word character.
_C_OPS = (
    ">>>=", "<<=", ">>=", "===", "!==", "...", "->", "::", "++", "--", "&&", "||", "==", "!=", "<=", ">=",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "=>", "??",
)
_PY_OPS = (
    "**=", "//=", ">>=", "<<=", "->", ":=", "==", "!=", "<=", ">=", "**", "//", "<<", ">>", "+=", "-=",
    "*=", "/=", "%=", "&=", "|=", "^=", "@=",
)
_DQ = r'"(?:[^"\\\n]|\\.)*"'
_SQ = r"'(?:[^'\\\n]|\\.)*'"


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    comment: str
    string: str
    operators: tuple[str, ...]
    keywords: frozenset[str]

    @property
    def pattern(self) -> re.Pattern[str]:
        """The family's tokens as one regular expression: the reference of its compiled lexer."""
        return _compiled(self)

    @property
    def lexer(self) -> lexers.FamilyLexer:
        return _lexer(self)


@lru_cache(maxsize=8)
def _compiled(family: Family) -> re.Pattern[str]:
    operator = "|".join(map(re.escape, family.operators)) + r"|[^\s\w]"
    return re.compile(
        rf"((?:{family.comment})|(?:{family.string})|(?:{_NUMBER})|(?:{_IDENT})|(?:{operator}))",
        re.DOTALL,
    )


@lru_cache(maxsize=8)
def _lexer(family: Family) -> lexers.FamilyLexer:
    return lexers.FamilyLexer(
        family.name, family.operators, [hash_token(word) for word in sorted(family.keywords)],
        hash_token(LITERAL), hash_token(IDENTIFIER),
    )


_COMMENT, _STRING, _NUMBER_CLASS, _IDENT_CLASS, _OPERATOR = 0, 1, 2, 3, 4
_FIRST = np.full(128, _OPERATOR, dtype=np.int8)
for _c in "0123456789":
    _FIRST[ord(_c)] = _NUMBER_CLASS
for _c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_":
    _FIRST[ord(_c)] = _IDENT_CLASS
for _c in "'\"`":
    _FIRST[ord(_c)] = _STRING
_QUOTES = frozenset("'\"`")


def _is_comment(token: str, family: Family) -> bool:
    if family.comment.startswith("#"):
        return token[0] == "#"
    if family.comment.startswith("//"):
        return token.startswith(("//", "/*"))
    return token.startswith(("--", "{-", "/*"))


def _classify(texts: list[str], family: Family) -> np.ndarray:
    """Token class from the first (and for prefixed strings the last) character."""
    first = np.fromiter(map(ord, map(itemgetter(0), texts)), dtype=np.int64, count=len(texts))
    which = np.where(first < 128, _FIRST[np.minimum(first, 127)], _IDENT_CLASS).astype(np.int8)
    last_quote = np.fromiter(map(_QUOTES.__contains__, map(itemgetter(-1), texts)), dtype=bool, count=len(texts))
    which[(which == _IDENT_CLASS) & last_quote & (first != 0)] = _STRING  # r"..", b'..', L"..", f"..."
    which[(first == ord("@")) & last_quote] = _STRING
    which[(first == ord("$")) & ~last_quote] = _IDENT_CLASS  # JS/PHP names
    for i in np.flatnonzero((first == ord(".")) | (first == ord("#")) | (first == ord("/"))
                            | (first == ord("-")) | (first == ord("{"))).tolist():
        token = texts[i]
        if token[0] == "." and len(token) > 1 and token[1].isdigit():
            which[i] = _NUMBER_CLASS
        elif _is_comment(token, family):
            which[i] = _COMMENT
    return which


_C_KEYWORDS = frozenset(
    """auto break case catch char class const continue default delete do double else enum
    extends extern false final finally float for fn func function go goto if impl implements
    import in instanceof int interface let long match mod mut namespace new nil null package
    private protected pub public return self short signed sizeof static struct super switch
    this throw throws true try type typedef typeof union unsigned use using var void volatile
    while yield async await export from default println printf len string bool""".split()
)
_PY_KEYWORDS = frozenset([*keyword.kwlist, *keyword.softkwlist, *dir(builtins)])
_SQL_KEYWORDS = frozenset(
    """select from where and or not insert into update delete create table index join on
    group by order having limit as local function end then if else elseif return do while
    for in nil true false let where module import data type case of""".split()
)

PY_FAMILY = Family(
    "hash",
    r"#[^\n]*",
    r"(?:[rRbBuUfF]{1,2})?(?:'''.*?'''|\"\"\".*?\"\"\"|" + _DQ + "|" + _SQ + ")",
    _PY_OPS,
    _PY_KEYWORDS,
)
C_FAMILY = Family(
    "c",
    r"//[^\n]*|/\*.*?\*/",
    r"[LuUR@$]?(?:" + _DQ + "|" + _SQ + r"|`[^`]*`)",
    _C_OPS,
    _C_KEYWORDS,
)
DASH_FAMILY = Family("dash", r"--[^\n]*|/\*.*?\*/|\{-.*?-\}", _DQ + "|" + _SQ, _C_OPS, _SQL_KEYWORDS)

_FAMILY_OF_LANGUAGE = {
    **dict.fromkeys(
        "python python3 py ruby rb bash sh shell zsh perl pl r yaml toml make makefile cmake "
        "nim coffeescript elixir julia powershell tcl".split(),
        PY_FAMILY,
    ),
    **dict.fromkeys(
        "c cpp c++ objective-c java javascript js typescript ts jsx tsx go golang rust rs "
        "csharp c# swift kotlin scala php dart groovy cuda glsl hlsl solidity zig v d".split(),
        C_FAMILY,
    ),
    **dict.fromkeys("sql lua haskell hs elm ada vhdl".split(), DASH_FAMILY),
}

_LANGUAGE_OF_EXTENSION = {
    ".py": "python", ".pyi": "python", ".pyw": "python", ".pyx": "python", ".rb": "ruby",
    ".sh": "bash", ".bash": "bash", ".zsh": "bash", ".pl": "perl", ".pm": "perl", ".r": "r",
    ".jl": "julia", ".ex": "elixir", ".exs": "elixir", ".tcl": "tcl", ".nim": "nim",
    ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp",
    ".hh": "cpp", ".hxx": "cpp", ".m": "objective-c", ".mm": "objective-c", ".java": "java",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".go": "go", ".rs": "rust", ".cs": "csharp",
    ".swift": "swift", ".kt": "kotlin", ".kts": "kotlin", ".scala": "scala", ".php": "php",
    ".dart": "dart", ".groovy": "groovy", ".cu": "cuda", ".sol": "solidity", ".zig": "zig",
    ".sql": "sql", ".lua": "lua", ".hs": "haskell", ".elm": "elm",
}

# Formats that Pygments can lex but whose files are data or prose, not code.
_NOT_CODE = {".txt", ".md", ".rst", ".json", ".csv", ".tsv", ".xml", ".html", ".htm", ".svg",
             ".log", ".ini", ".cfg", ".conf", ".tex", ".bib", ".po", ".pot", ".lock"}


def language_for_filename(filename: str) -> str | None:
    """The code language of a file name, or None when the name says text or data."""
    lower = filename.lower()
    dot = lower.rfind(".")
    extension = lower[dot:] if dot >= 0 else ""
    if extension in _LANGUAGE_OF_EXTENSION:
        return _LANGUAGE_OF_EXTENSION[extension]
    if extension in _NOT_CODE or not extension:
        return "make" if lower.rsplit("/", 1)[-1] in ("makefile", "gnumakefile") else None
    from pygments.lexers import get_lexer_for_filename
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_for_filename(filename)
    except ClassNotFound:
        return None
    return str(lexer.aliases[0]) if lexer.aliases else None


class CodeNormalizer(Normalizer):
    kind = "code"

    def __init__(self, language: str = "") -> None:
        self.language = language or "python"
        self.family = _FAMILY_OF_LANGUAGE.get(self.language)
        # The family lexers are plain regular expressions scanned left to right, so a scan
        # from a token start reproduces the tokens; Pygments lexers carry state.
        self.restartable = self.family is not None
        self.compiled = self.family is not None
        self._ids = TokenIds()

    def normalize(self, content: str) -> NormalForm:
        if not content:
            return NormalForm.empty()
        if self.family is None:
            return _pygments_normal_form(content, self.language, self._ids)
        return self._family_normal_form(content)

    def _family_normal_form(self, content: str) -> NormalForm:
        family = self.family
        if family is None:
            raise ValueError(f"{self.language}: no lexer family")  # normalize() routes these to Pygments
        starts, ends, exact, abstract = family.lexer.tokens(content)
        return NormalForm(exact, starts, ends, abstract)


def reference_family_tokens(content: str, family: Family) -> NormalForm:
    """The family's normal form from its regular expression, one token at a time: the slow
    reference the compiled lexer is tested against."""
    # One capturing group: split gives gap, token, gap, token, ...
    pieces = family.pattern.split(content)
    offsets = np.zeros(len(pieces) + 1, dtype=np.int64)
    np.cumsum([len(piece) for piece in pieces], out=offsets[1:])
    texts = pieces[1::2]
    if not texts:
        return NormalForm.empty()
    which = _classify(texts, family)
    kept = [i for i in range(len(texts)) if which[i] != _COMMENT]
    exact = [hash_token(texts[i]) for i in kept]
    abstract = []
    for i, token_id in zip(kept, exact, strict=True):
        if which[i] in (_STRING, _NUMBER_CLASS):
            abstract.append(hash_token(LITERAL))
        elif which[i] == _IDENT_CLASS and texts[i] not in family.keywords:
            abstract.append(hash_token(IDENTIFIER))
        else:
            abstract.append(token_id)
    return NormalForm(
        np.array(exact, dtype=np.uint64),
        np.array([offsets[1 + 2 * i] for i in kept], dtype=np.int64),
        np.array([offsets[2 + 2 * i] for i in kept], dtype=np.int64),
        np.array(abstract, dtype=np.uint64),
    )


def _pygments_normal_form(content: str, language: str, ids: TokenIds) -> NormalForm:
    from pygments.lexers import get_lexer_by_name
    from pygments.token import Comment, Literal, Name, Number, String, Text, Whitespace
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        lexer = get_lexer_by_name("text", stripnl=False, ensurenl=False)
    starts: list[int] = []
    ends: list[int] = []
    exact: list[int] = []
    abstract: list[int] = []
    previous_string = False
    for index, ttype, value in lexer.get_tokens_unprocessed(content):
        text = value.strip()
        skipped = (ttype in Comment and ttype not in Comment.Preproc) or ttype in Whitespace
        if not text or skipped or (ttype in Text and not text):
            previous_string = False
            continue
        is_string = ttype in String
        if is_string and previous_string:
            ends[-1] = index + len(value.rstrip())
            exact[-1] = ids(content[starts[-1] : ends[-1]])
            continue
        lead = len(value) - len(value.lstrip())
        starts.append(index + lead)
        ends.append(index + lead + len(text))
        exact.append(ids(text))
        if is_string or ttype in Number or ttype in Literal:
            abstract.append(ids(LITERAL))
        elif ttype in Name and ttype not in Name.Builtin:
            abstract.append(ids(IDENTIFIER))
        else:
            abstract.append(exact[-1])
        previous_string = is_string
    return NormalForm(
        np.array(exact, dtype=np.uint64),
        np.array(starts, dtype=np.int64),
        np.array(ends, dtype=np.int64),
        np.array(abstract, dtype=np.uint64),
    )

