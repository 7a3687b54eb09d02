from wherefrom.normalize import get_normalizer

python = get_normalizer("code", "python")

ORIGINAL = '''
def running_median(values, window):
    # slide a window along
    medians = []
    for start in range(len(values) - window + 1):
        chunk = sorted(values[start:start + window])
        medians.append(chunk[window // 2])
    return medians
'''

REFORMATTED = '''def running_median( values,window ):
    medians=[]  # collect
    for start in range( len(values)-window+1 ):
        chunk=sorted( values[start:start+window] )
        medians.append( chunk[window//2] )
    return medians'''

RENAMED = '''
def smooth(xs, size):
    out = []
    for i in range(len(xs) - size + 1):
        part = sorted(xs[i:i + size])
        out.append(part[size // 2])
    return out
'''


def tokens(content: str) -> list[str]:
    form = python.normalize(content)
    return [content[s:e] for s, e in zip(form.starts.tolist(), form.ends.tolist(), strict=True)]


def test_comments_whitespace_and_layout_do_not_matter():
    assert python.normalize(ORIGINAL).ids.tolist() == python.normalize(REFORMATTED).ids.tolist()


def test_renamed_identifiers_agree_in_the_abstract_channel_only():
    a, b = python.normalize(ORIGINAL), python.normalize(RENAMED)
    assert a.ids.tolist() != b.ids.tolist()
    assert a.abstract_ids.tolist() == b.abstract_ids.tolist()


def test_keywords_and_builtins_are_kept_in_the_abstract_channel():
    form = python.normalize("return len(x)")
    assert form.abstract_ids[0] == form.ids[0]  # return
    assert form.abstract_ids[1] == form.ids[1]  # len
    assert form.abstract_ids[3] != form.ids[3]  # x


def test_string_literals_are_single_tokens_with_exact_offsets():
    content = 'x = "a # not a comment" + r\'\\d\''
    assert tokens(content) == ["x", "=", '"a # not a comment"', "+", "r'\\d'"]


def test_c_family_comments_are_dropped():
    c = get_normalizer("code", "c")
    content = "int f(int a) { /* block */ return a + 1; // line\n}"
    form = c.normalize(content)
    texts = [content[s:e] for s, e in zip(form.starts.tolist(), form.ends.tolist(), strict=True)]
    assert texts == ["int", "f", "(", "int", "a", ")", "{", "return", "a", "+", "1", ";", "}"]


def test_languages_outside_the_families_use_pygments():
    fortran = get_normalizer("code", "fortran")
    content = "program hello\n  print *, 'hi' ! a comment\nend program"
    form = fortran.normalize(content)
    texts = [content[s:e] for s, e in zip(form.starts.tolist(), form.ends.tolist(), strict=True)]
    assert "! a comment" not in texts and "'hi'" in texts
