"""Arbitrary input to the template parser never escapes as anything but its refusals."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from commands.assess.templates import TemplateError, builtin_sources, parse_template

YAMLISH = st.lists(
    st.sampled_from(
        [
            "name: demo\n",
            "title: T\n",
            "questions:\n",
            "  - title: Q\n",
            "    prompt: P\n",
            "    kind: ",
            "rating",
            "choice",
            "yesno",
            "text",
            "\n",
            "    labels: [a, b, c, d, e]\n",
            "    options: [x, y]\n",
            "    examples:\n",
            "      - e\n",
            "    confidential: ",
            "    optional: ",
            "true",
            "maybe",
            "- ",
            ": ",
            "[",
            "]",
            "{",
            "}",
            "&a ",
            "*a",
            "!!str ",
            "!!python/name:os.system ",
            "'",
            '"',
            "|\n",
            ">-\n",
            "#",
            "---\n",
            "~",
            "\t",
            "  ",
            "<<: *a\n",
            "? ",
            ",",
        ]
    ),
    max_size=40,
).map("".join)
MUTATED = st.tuples(
    st.integers(0, len(builtin_sources()["baseline"])), st.integers(0, 40), st.text(max_size=20)
).map(lambda cut: (s := builtin_sources()["baseline"])[: cut[0]] + cut[2] + s[cut[0] + cut[1] :])


def parse_or_refuse(source: str) -> None:
    try:
        template = parse_template(source)
    except TemplateError as error:
        assert re.match(r"Line \d+, \S", error.problem), error.problem
    else:
        assert 1 <= len(template.questions) <= 50 and template.name and template.title


@settings(max_examples=300)
@given(st.text())
def test_arbitrary_text_parses_or_is_refused(source):
    parse_or_refuse(source)


@settings(max_examples=500)
@given(YAMLISH)
def test_yaml_like_text_parses_or_is_refused(source):
    parse_or_refuse(source)


@settings(max_examples=300)
@given(MUTATED)
def test_a_damaged_baseline_parses_or_is_refused(source):
    parse_or_refuse(source)
