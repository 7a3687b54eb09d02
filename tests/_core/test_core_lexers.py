"""The compiled tokenizers against their Python references: the same tokens, offsets and ids
on every code family, on Unicode of every string width, on empty and one-token inputs."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wherefrom.normalize import get_normalizer
from wherefrom.normalize.base import TokenIds, hash_token, token_ids
from wherefrom.normalize.code import C_FAMILY, DASH_FAMILY, PY_FAMILY, reference_family_tokens
from wherefrom.normalize.text import reference_tokens

FAMILIES = {"python": PY_FAMILY, "c": C_FAMILY, "sql": DASH_FAMILY}

# Characters every rule of the family lexers turns on, plus Unicode letters, digits, spaces
# and symbols of one-, two- and four-byte strings.
CODE_ALPHABET = list(
    "abexXoObBrRfFuULz_09.5eE+-*/%=<>!&|^~?:;,@$#`'\"\\{}()[] \t\n"
) + ["é", "ÿ", "Σ", "٣", "²", "½", "→", "“", "\u00a0", "\u2003", "\u200b", "中", "😀", "𝟘"]
CODE_PIECES = [
    "'''", '"""', "/*", "*/", "{-", "-}", "--", "//", "0x1f", "1.5e-3", ".5", "1_000", "r'", 'b"', 'rb"', "L'",
    "@\"", "$\"", "`", "\\\n", "\\'", ">>>=", "**=", "...", "::", "=>", "??", "# c\n", "-- c\n", "fn", "def",
]
code_text = st.lists(st.one_of(st.sampled_from(CODE_ALPHABET), st.sampled_from(CODE_PIECES)), max_size=60).map("".join)


def assert_same_code_tokens(content: str, language: str) -> None:
    fast = get_normalizer("code", language).normalize(content)
    slow = reference_family_tokens(content, FAMILIES[language])
    assert fast.starts.tolist() == slow.starts.tolist()
    assert fast.ends.tolist() == slow.ends.tolist()
    assert fast.ids.tolist() == slow.ids.tolist()
    assert channel(fast.abstract_ids) == channel(slow.abstract_ids)


def channel(ids) -> list[int]:
    return [] if ids is None else ids.tolist()


@pytest.mark.parametrize("language", sorted(FAMILIES))
@settings(max_examples=400, deadline=None)
@given(content=code_text)
@example(content="")
@example(content="x")
@example(content="'''unterminated")
@example(content="/* never closed")
@example(content="{- haskell -} x")
@example(content="0x 0xg 1e 1e+ 1.2.3 .5j 5L")
def test_family_lexer_equals_the_regular_expression(language, content):
    assert_same_code_tokens(content, language)


@pytest.mark.parametrize("language", sorted(FAMILIES))
@settings(max_examples=150, deadline=None)
@given(content=st.text(max_size=80))
def test_family_lexer_equals_the_regular_expression_on_any_text(language, content):
    assert_same_code_tokens(content, language)


def test_family_lexer_on_real_code():
    import inspect

    import wherefrom.normalize.code as module

    assert_same_code_tokens(inspect.getsource(module), "python")


TEXT_ALPHABET = list("ab Z9_,.-'\n") + [
    "é", "ß", "ﬁ", "\u0301", "\u00ad", "\u200b", "Ω", "а", "ο", "İ", "ǅ", "吾", "は", "ｶ", "😀", "𝐀", "\ufeff", "²",
]
text_strategy = st.lists(st.sampled_from(TEXT_ALPHABET), max_size=50).map("".join)


@settings(max_examples=400, deadline=None)
@given(content=st.one_of(text_strategy, st.text(max_size=60)))
@example(content="")
@example(content="word")
@example(content="\u200b")
@example(content="ÿes")  # a one-byte string above ASCII
def test_text_tokenizer_equals_the_reference(content):
    form = get_normalizer("text").normalize(content)
    reference = reference_tokens(content)
    assert list(zip(form.starts.tolist(), form.ends.tolist(), strict=True)) == [(s, e) for s, e, _ in reference]
    assert form.ids.tolist() == [hash_token(t) for _, t in [(0, t) for _, _, t in reference]]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=20))
def test_compiled_token_hash_equals_hash_token(tokens):
    assert token_ids(tokens).tolist() == [hash_token(t) for t in tokens]
    memo = TokenIds()
    assert [memo(t) for t in tokens] == [hash_token(t) for t in tokens]


def test_pinned_token_hash_vectors():
    assert token_ids(["the", ""]).tolist() == [18027501459646408813, 0]
