"""The fast reader of flat front matter reads exactly what PyYAML reads, or leaves it to PyYAML."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feeds.site.frontmatter import FlatReader
from feeds.site.storyfile import _StoryLoader

READER = FlatReader(_StoryLoader)

keys = st.sampled_from(["title", "date", "id", "tags", "yes", "No", "null", "on", "x_1", "_a",
                        "True", "n"]) | st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
plain = st.sampled_from([
    "yes", "No", "on", "off", "true", "~", "null", "Null", "1_000", "1:30", "0x1f", "0o17",
    "017", "1.5", "1e3", "1.5e3", ".inf", "-.INF", ".nan", "+12", "2025-11-13", "12:30:00",
    "2025-11-13T10:00:00+04:00", "C#", "a b", "a:b", "a: b", "a #b", "a#b", "http://x.example/",
    "-5", "-", "?x", ":x", "@x", "%x", "`x", "!x", "&x", "*x", "|", ">", "'", '"', "x'", 'x"',
]) | st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12)
quoted = st.text(max_size=12).map(lambda t: '"' + t + '"') | st.text(max_size=12).map(
    lambda t: "'" + t.replace("'", "''") + "'")
items = plain | quoted
values = items | st.lists(items, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]") | \
    st.sampled_from(["", "[]", "[a, [b]]", "{a: b}", "[a,]", "[ ]", "[,a]", "x # c", '"x" # c'])
lines = st.builds(lambda k, sep, v, pad: f"{k}{sep}{v}{pad}", keys,
                  st.sampled_from([": ", ":  ", ":", ": \t"]), values,
                  st.sampled_from(["", " ", "  ", "\r"])) | st.sampled_from(
    ["", "# a comment", "#", "#x", "  indented: x", "- item", "---", "...", " ", "\t"])


def pyyaml(text: str) -> object:
    try:
        return yaml.load(text, Loader=_StoryLoader)
    except Exception as error:  # noqa: BLE001 - whatever PyYAML says, the fast reader must not
        return error             # claim to have read it


@settings(max_examples=3000, deadline=None)
@given(st.lists(lines, min_size=1, max_size=8).map("\n".join))
@example("title: yes\ndate: [\xa0]")  # a no-break space is not YAML's space: it is the item
def test_it_reads_what_pyyaml_reads_or_leaves_it(text: str) -> None:
    fast = READER.load(text)
    if fast is None:
        return
    slow = pyyaml(text)
    assert not isinstance(slow, Exception), (text, slow)
    assert fast == slow, text
    assert [type(v) for v in fast.values()] == [type(v) for v in slow.values()], text  # type: ignore[union-attr]


@pytest.mark.parametrize("text", [
    'title: "A: b"\nid: "urn:x"\ndate: 2025-11-13T10:00:00+04:00\nauthor: Nini N\n'
    'tags: [a, b, "c d"]\nsummary: "x"\n',
    "yes: 1\nno: null\nn: 1_000\nt: 1:30\nf: 1.5\nx: ~\nC: C#\nempty: []\n",
    "a: 'it''s'\n", "title: T\r\ndate: 2025-11-13\r\n", "# note\ntitle: T\n",
])
def test_the_usual_front_matter_is_read_here(text: str) -> None:
    assert READER.load(text) == yaml.load(text, Loader=_StoryLoader)


@pytest.mark.parametrize("text", [
    "a: b #c\n", "a: -5\n", "a:\n  - x\n", "a: \"x\\ty\"\n", "a: [1, [2]]\n", "a: {b: c}\n",
    "a: &x 1\n", "a: *x\n", "a: !!str 1\n", "a: |\n  x\n", "a: b\na: c\n", "  a: b\n",
    "a: \u2028b\n", "a: x\ty\n", "---\na: b\n", "a: b\r c\n",
])
def test_anything_else_is_left_to_pyyaml(text: str) -> None:
    assert READER.load(text) is None
