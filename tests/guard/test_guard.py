"""The guard over an index: a copy is flagged on the word that takes it past the limit, in
the normal form (case, spacing, punctuation, look-alike letters), through light word edits,
and from a hash-only index; original text passes; the policy decides per licence."""

from __future__ import annotations

import json
import random

import pytest

from wherefrom.build import build_index
from wherefrom.config import IndexConfig
from wherefrom.errors import BadInputError
from wherefrom.guard import CopyGuard, GuardPolicy, licence_class
from wherefrom.index import Index
from wherefrom.records import Provenance

VOCAB = ("river stone lantern harbour meadow quiet silver morning window thunder orchard pilgrim candle "
         "shadow willow ember garden whisper hollow beacon copper valley maple feather ribbon tide ashen "
         "cedar falcon marble hazel crimson sparrow thistle glacier lantern saddle bramble velvet").split()


def passage(seed: int, n: int = 120) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCAB) for _ in range(n))


WORK = passage(1)
OTHER = passage(2)
LIMIT = 30


@pytest.fixture(scope="module", params=[False, True], ids=["text", "hash-only"])
def index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("guard-corpus")
    (root / "src").mkdir()
    (root / "src" / "work.txt").write_text(WORK + "\n", encoding="utf-8")
    (root / "src" / "other.txt").write_text(OTHER + "\n", encoding="utf-8")
    target = root / "idx"
    build_index([root / "src"], target, config=IndexConfig(hash_only=request.param),
                defaults=Provenance(license="CC-BY-SA-4.0"))
    return Index.open(target)


def first_flag(guard: CopyGuard, words: list[str]) -> int | None:
    """The number of words fed when the guard first flags the output."""
    state = guard.start()
    for number, word in enumerate(words, 1):
        if state.feed((" " if number > 1 else "") + word) is not None:
            return number
    return None


def spoof(text: str) -> str:
    return text.translate(str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e"}))  # Cyrillic


@pytest.mark.parametrize("variant", ["plain", "caps", "spacing", "punctuation", "homoglyphs", "spaced letters"])
def test_a_copy_is_flagged_by_the_word_past_the_limit(index: Index, variant: str) -> None:
    guard = CopyGuard.from_index(index, LIMIT, "block")
    lead = "in my own words I begin this answer before".split()
    copied = WORK.split()[10:80]
    form = {
        "plain": copied,
        "caps": [w.upper() for w in copied],
        "spacing": [w + "  \n" for w in copied],
        "punctuation": [w + ("," if i % 3 else ";") for i, w in enumerate(copied)],
        "homoglyphs": [spoof(w) for w in copied],
        "spaced letters": [" ".join(w) + "  " for w in copied],
    }[variant]
    flagged = first_flag(guard, lead + form)
    assert flagged is not None
    let_through = flagged - len(lead) - 1
    if index.config.hash_only:  # the start of a copy is known to within w - 1 words
        assert LIMIT - index.config.w < let_through <= LIMIT
    else:
        assert let_through == LIMIT


def test_light_word_edits_do_not_get_a_copy_past(index: Index) -> None:
    if index.config.hash_only:
        pytest.skip("a hash-only index has no tokens to align an edited copy against")
    guard = CopyGuard.from_index(index, LIMIT, "block")
    copied = WORK.split()[:100]
    edited = [("changed" if i % 5 == 4 else w) for i, w in enumerate(copied)]
    flagged = first_flag(guard, edited)
    assert flagged is not None and flagged <= 2 * LIMIT


def test_original_text_is_never_flagged(index: Index) -> None:
    guard = CopyGuard.from_index(index, LIMIT, "block")
    original = passage(3, 300).split()
    assert first_flag(guard, original) is None
    assert guard.copies_in(" ".join(original)) == []


def test_a_hit_names_the_source_its_licence_and_the_span(index: Index) -> None:
    guard = CopyGuard.from_index(index, LIMIT, "block")
    text = "Here it is: " + " ".join(WORK.split()[:60])
    (hit,) = guard.copies_in(text)
    assert hit.title == "work.txt"
    assert hit.license == "CC-BY-SA-4.0" and hit.licence_class == "restricted" and hit.action == "block"
    start, end = hit.output_chars
    assert start <= len("Here it is: ") + (0 if not index.config.hash_only else 200)
    assert end == len(text)
    assert hit.cut < end
    assert json.loads(json.dumps(hit.to_dict()))["source"]["license"] == "CC-BY-SA-4.0"


def test_peek_leaves_the_state_as_it_was(index: Index) -> None:
    guard = CopyGuard.from_index(index, LIMIT, "block")
    words = WORK.split()
    state = guard.start()
    state.feed(" ".join(words[:LIMIT]))
    before = (list(state.ids), list(state.seeds), state.pending, state.length)
    assert state.peek(" " + words[LIMIT]) is not None
    assert (list(state.ids), list(state.seeds), state.pending, state.length) == before
    if not index.config.hash_only:  # (which takes the copy to have started up to w - 1 words earlier)
        assert state.peek(" unrelated") is None
        assert guard.allowed(" ".join(words[:LIMIT]), [" " + words[LIMIT], " unrelated"]) == [False, True]
        assert state.feed(" unrelated") is None


def test_a_limit_below_the_index_guarantee_is_refused(index: Index) -> None:
    with pytest.raises(BadInputError, match="rebuild the index with --min-tokens 10"):
        CopyGuard.from_index(index, 10)


def test_policy_by_class_licence_and_source(tmp_path) -> None:
    assert licence_class("CC0-1.0") == "public-domain"
    assert licence_class("MIT") == "permissive"
    assert licence_class("GPL-3.0-only") == "restricted"
    assert licence_class("NOASSERTION") == "unknown"
    path = tmp_path / "policy.toml"
    path.write_text(
        'on_block = "stop"\nmax_copy_tokens = 40\n'
        '[classes]\npermissive = "allow"\n'
        '[licenses]\n"GPL-3.0-only" = "cite"\n'
        '[sources]\n"uid-1" = "block"\n',
        encoding="utf-8",
    )
    policy = GuardPolicy.load(path)
    assert policy.on_block == "stop" and policy.max_copy_tokens == 40
    assert policy.action_for("uid-9", "MIT", "permissive") == "allow"
    assert policy.action_for("uid-9", "GPL-3.0-only", "restricted") == "cite"
    assert policy.action_for("uid-1", "MIT", "permissive") == "block"
    assert policy.action_for("uid-9", "CC-BY-NC-4.0", "restricted") == "block"  # the default
    as_json = tmp_path / "policy.json"
    as_json.write_text(json.dumps(policy.to_dict()), encoding="utf-8")
    assert GuardPolicy.load(as_json) == policy


def test_a_bad_policy_names_the_setting_and_the_choices(tmp_path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[classes]\nrestricted = "deny"\n', encoding="utf-8")
    with pytest.raises(BadInputError, match=r"restricted = 'deny': the action must be one of block, cite, allow"):
        GuardPolicy.load(path)
    path.write_text('[classes]\nfree = "allow"\n', encoding="utf-8")
    with pytest.raises(BadInputError, match="unknown licence class 'free'"):
        GuardPolicy.load(path)


def test_cite_policy_lets_the_copy_through_with_its_attribution(index: Index) -> None:
    policy = GuardPolicy.from_dict({"licenses": {"CC-BY-SA-4.0": "cite"}})
    guard = CopyGuard.from_index(index, LIMIT, policy)
    text = " ".join(WORK.split()[:70])
    assert guard.allowed(" ".join(WORK.split()[:LIMIT]), [" " + WORK.split()[LIMIT]]) == [True]
    (hit,) = guard.copies_in(text)
    assert hit.action == "cite" and "CC-BY-SA-4.0" in hit.attribution
    assert hit.tokens == 70 if not index.config.hash_only else hit.tokens >= 70


def test_the_incremental_shortcuts_equal_the_index_functions(index: Index) -> None:
    import numpy as np

    from wherefrom.guard.incremental import WordForms, kgram_hash, lookup
    from wherefrom.index.fingerprint import CHANNEL_SALT, kgram_hashes
    from wherefrom.normalize import get_normalizer

    normalizer = get_normalizer("text")
    forms = WordForms(normalizer)
    text = "IT  was\u00a0the Best, of\u3000times; don't 東京タワー ﬁne café e\u0301 " + spoof(WORK[:200])
    whole = normalizer.normalize(text)
    ids, starts, ends = forms(text)
    assert (ids, starts, ends) == (whole.ids.tolist(), whole.starts.tolist(), whole.ends.tolist())
    k = index.config.k
    salt = CHANNEL_SALT["text"]
    expected = kgram_hashes(whole.ids, k, salt).tolist()
    assert [kgram_hash(ids[q : q + k], salt) for q in range(len(ids) - k + 1)] == expected
    copied = normalizer.normalize(WORK).ids
    hashes = kgram_hashes(copied, k, salt).tolist()
    got = lookup(index, hashes)
    assert got is not None
    assert all(np.array_equal(a, b) for a, b in zip(got, index.lookup(np.array(hashes, dtype=np.uint64)), strict=True))
    assert lookup(index, kgram_hashes(normalizer.normalize(passage(9)).ids, k, salt).tolist()) is None
