"""Questionnaire templates: the YAML format and its refusals (the answers each kind takes:
tests/test_assess_answers.py; arbitrary input: tests/test_template_properties.py)."""

import pytest

from commands.assess.answers import AnswerError
from commands.assess.templates import (
    KINDS,
    Question,
    Template,
    TemplateError,
    builtin_sources,
    parse_template,
)
from commands.family import Refusal

SEED = "/work/shared/seeds/surrey-cluster-officer-programme.txt"
BASELINE_TITLES = [
    "Operations",
    "Structure and membership",
    "Community strategy",
    "Performance management",
    "Risk management",
    "Role of district/borough councilors",
    "Role of county councilors",
    "Projects and resources",
    "Public profile",
    "Relationship to SSP and LAA",
]
LABELS = ("Not in place", "Early days", "Working", "Good", "Excellent")

EVERY_KIND = """\
name: every-kind
title: Every kind of question
description: |
  One of each.
  Over two lines.
questions:
  - title: Operations
    prompt: How does your LSP operate?
    examples:
      - How often does your LSP meet?
      - "Who chairs it: and how was this decided?"
  - title: Structure and membership
    prompt: Which partners sit on the board?
    kind: text
    confidential: true
  - title: Risk management
    prompt: How well are risks managed?
    kind: rating
    labels: [Not in place, Early days, Working, Good, Excellent]
    optional: yes
  - title: Risk register
    prompt: Is there a risk register?
    kind: yesno
    confidential: false
  - title: Meetings
    prompt: How often does the board meet?
    kind: choice
    options:
      - Monthly
      - Quarterly
      - Health & wellbeing
"""


# The built-in baseline.


def test_builtin_sources_hold_the_baseline_named_after_its_file():
    sources = builtin_sources()
    assert "baseline" in sources
    for name, source in sources.items():
        assert parse_template(source).name == name


def test_baseline_is_the_seed_programme_s_ten_areas_in_order():
    baseline = parse_template(builtin_sources()["baseline"])
    assert baseline.name == "baseline"
    assert baseline.title == "LSP baseline self-assessment"
    assert "Surrey LSP Officer Group" in baseline.description
    assert [q.title for q in baseline.questions] == BASELINE_TITLES
    assert [q.title for q in baseline.questions if q.confidential] == ["Structure and membership"]
    assert all(q.kind == "text" and q.prompt and q.examples for q in baseline.questions)
    assert not any(q.optional for q in baseline.questions)


def test_baseline_examples_are_the_seed_s_questions_word_for_word():
    baseline = parse_template(builtin_sources()["baseline"])
    operations, structure = baseline.questions[0], baseline.questions[1]
    assert operations.examples == (
        "How often does your LSP meet?",
        "Who sits on your LSP (and who has the right to make decisions)?",
        "Who chairs your LSP, and how was this decided?",
        "How active is the chair role?",
        "How is the content of LSP agendas generated and approved?",
    )
    assert structure.examples[1] == (
        "What community (non-statutory) partners has your LSP attracted to its board, and please "
        "comment (in confidence) on the efficacy / issues posed by each?"
    )
    assert baseline.questions[8].examples == (
        "What is the public profile of your LSP and how is its work publicised (logo? newsletters? "
        "LSP assembly?)",
    )
    # Every example appears in the seed document (which wraps and double-spaces its text).
    with open(SEED, encoding="utf-8") as seed:
        flat = " ".join(seed.read().split())
    for question in baseline.questions:
        for example in question.examples:
            assert example in flat


# A template with every kind.


def test_every_kind_parses_with_its_fields():
    template = parse_template(EVERY_KIND)
    assert isinstance(template, Template)
    assert (template.name, template.title) == ("every-kind", "Every kind of question")
    assert template.description == "One of each.\nOver two lines."
    assert [q.kind for q in template.questions] == ["text", "text", "rating", "yesno", "choice"]
    assert set(KINDS) == {q.kind for q in template.questions}
    text, confidential, rating, yesno, choice = template.questions
    assert text == Question(
        title="Operations",
        prompt="How does your LSP operate?",
        examples=("How often does your LSP meet?", "Who chairs it: and how was this decided?"),
        kind="text",
    )
    assert confidential.confidential and not confidential.optional
    assert confidential.examples == ()
    assert rating.labels == LABELS and rating.optional and rating.options == ()
    assert yesno.labels == yesno.options == () and not yesno.confidential
    assert choice.options == ("Monthly", "Quarterly", "Health & wellbeing")


def test_templates_and_questions_are_immutable_values():
    template = parse_template(EVERY_KIND)
    assert template == parse_template(EVERY_KIND)
    with pytest.raises(AttributeError):
        template.name = "other"  # type: ignore[misc]


def test_errors_are_refusals():
    assert issubclass(TemplateError, Refusal) and issubclass(AnswerError, Refusal)
    with pytest.raises(TemplateError) as caught:
        parse_template("name: [")
    assert caught.value.problem.startswith("Line ") and caught.value.fix


def test_plain_values_read_as_the_words_written():
    source = (
        "name: '2025'\ntitle: 2025\nquestions:\n"
        "  - title: yes\n    prompt: 1.50\n    kind: choice\n    options: [yes, no, 1st]\n"
    )
    template = parse_template(source)
    assert (template.name, template.title) == ("2025", "2025")
    question = template.questions[0]
    assert (question.title, question.prompt, question.options) == (
        "yes",
        "1.50",
        ("yes", "no", "1st"),
    )


def test_aliases_are_followed():
    source = "name: a\ntitle: A\nquestions:\n  - &first\n    title: Q\n    prompt: P?\n  - *first\n"
    assert len(parse_template(source).questions) == 2


# Malformed templates: each refusal names the line and the field.

HEAD = "name: demo\ntitle: Demo\nquestions:\n"  # lines 1-3
QUESTION = "  - title: Q\n    prompt: P?\n"  # lines 4-5 when first


def questions(count: int) -> str:
    return HEAD + QUESTION * count


MALFORMED = [
    # (source, line, field named in the problem)
    ("name: demo\ntitle: [unclosed\nquestions:\n", 3, "YAML"),
    ("name: demo\n\ttitle: Demo\n", 2, "YAML"),
    ("name: a\n---\nname: b\n", 2, "YAML"),
    ("- name: demo\n- title: Demo\n", 1, "template"),
    ("just words", 1, "template"),
    ("", 1, "template"),
    ("# only a comment\n", 1, "template"),
    ("title: Demo\nquestions:\n" + QUESTION, 1, "name"),
    ("name:\ntitle: Demo\nquestions:\n" + QUESTION, 1, "name"),
    ("name: Baseline 2\ntitle: Demo\nquestions:\n" + QUESTION, 1, "name"),
    ("name: -demo\ntitle: Demo\nquestions:\n" + QUESTION, 1, "name"),
    ("name: " + "a" * 41 + "\ntitle: Demo\nquestions:\n" + QUESTION, 1, "name"),
    ("name: demo\nquestions:\n" + QUESTION, 1, "title"),
    ("name: demo\ntitle: Demo\n", 1, "questions"),
    ("name: demo\ntitle: Demo\nquestions: []\n", 3, "questions"),
    ("name: demo\ntitle: Demo\nquestions:\n", 3, "questions"),
    ("name: demo\ntitle: Demo\nquestions: lots\n", 3, "questions"),
    (HEAD + QUESTION + "colour: red\n", 6, "colour"),
    (HEAD + QUESTION + "    colour: red\n", 6, "questions[1].colour"),
    (HEAD + QUESTION + "    title: Again\n", 6, "questions[1].title"),
    (HEAD + QUESTION + "    kind: scale\n", 6, "questions[1].kind"),
    (HEAD + QUESTION + QUESTION + "    kind: Rating\n", 8, "questions[2].kind"),
    (HEAD + QUESTION + "    kind: rating\n    labels: [a, b, c, d]\n", 7, "questions[1].labels"),
    (HEAD + QUESTION + "    kind: rating\n", 4, "questions[1].labels"),
    (
        HEAD + QUESTION + "    kind: rating\n    labels: [a, b, c, d, '']\n",
        7,
        "questions[1].labels[5]",
    ),
    (HEAD + QUESTION + "    kind: choice\n    options: [Only one]\n", 7, "questions[1].options"),
    (
        HEAD
        + QUESTION
        + "    kind: choice\n    options: ["
        + ", ".join(f"o{n}" for n in range(21))
        + "]\n",
        7,
        "questions[1].options",
    ),
    (
        HEAD
        + QUESTION
        + "    kind: choice\n    options:\n      - Monthly\n      - Yearly\n      - monthly\n",
        10,
        "questions[1].options[3]",
    ),
    (
        HEAD + QUESTION + "    kind: choice\n    options:\n      - None\n      - '3'\n",
        9,
        "questions[1].options[2]",
    ),
    (HEAD + QUESTION + "    labels: [a, b, c, d, e]\n", 6, "questions[1].labels"),
    (
        HEAD + QUESTION + "    kind: rating\n    labels: [a, b, c, d, e]\n    options: [x, y]\n",
        8,
        "questions[1].options",
    ),
    (HEAD + QUESTION + "    confidential: maybe\n", 6, "questions[1].confidential"),
    (HEAD + QUESTION + "    optional: 1\n", 6, "questions[1].optional"),
    (HEAD + QUESTION + "    optional: [true]\n", 6, "questions[1].optional"),
    (HEAD + "  - title: Q\n", 4, "questions[1].prompt"),
    (HEAD + "  - title: Q\n    prompt: ''\n", 5, "questions[1].prompt"),
    (HEAD + "  - title: [Q]\n    prompt: P?\n", 4, "questions[1].title"),
    (HEAD + "  - title: '" + "T" * 101 + "'\n    prompt: P?\n", 4, "questions[1].title"),
    (HEAD + '  - title: "two\\nlines"\n    prompt: P?\n', 4, "questions[1].title"),
    (HEAD + "  - title: Q\n    prompt: " + "p" * 1001 + "\n", 5, "questions[1].prompt"),
    (HEAD + QUESTION + "    examples: Just one\n", 6, "questions[1].examples"),
    (
        HEAD + QUESTION + "    examples:\n      - fine\n      - " + "e" * 501 + "\n",
        8,
        "questions[1].examples[2]",
    ),
    (HEAD + QUESTION + "    examples:\n      - fine\n      -\n", 8, "questions[1].examples[2]"),
    (HEAD + QUESTION + "    examples:\n      - {nested: map}\n", 7, "questions[1].examples[1]"),
    (HEAD + QUESTION + "  - just text\n", 6, "questions[2]"),
    (HEAD.replace("Demo", "!!python/object/apply:os.system [echo hi]"), 2, "title"),
    (HEAD.replace("Demo", "!!binary aGk="), 2, "title"),
    (
        "name: demo\ntitle: Demo\ndescription: " + "d" * 1001 + "\nquestions:\n" + QUESTION,
        3,
        "description",
    ),
    ("name: demo\ntitle: Demo\n<<: {x: 1}\nquestions:\n" + QUESTION, 3, "&lt;&lt;"),
    ("name: demo\ntitle: Demo\n[a]: b\nquestions:\n" + QUESTION, 3, "template"),
    (questions(51), 4 + 2 * 50, "questions[51]"),
    ("a: " + "[" * 2000, 1, "YAML"),
    ("name: demo\ntitle: De\x00mo\n", 2, "YAML"),
    ("# " + "x" * 49_990 + "\n" * 20, 9, "template"),
]


@pytest.mark.parametrize(("source", "line", "field"), MALFORMED)
def test_malformed_templates_are_refused_naming_line_and_field(source, line, field):
    with pytest.raises(TemplateError) as caught:
        parse_template(source)
    assert caught.value.problem.startswith(f"Line {line}, {field}: "), caught.value.problem
    assert caught.value.fix


def refusal(source: str) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        parse_template(source)
    return caught.value


def test_refusal_wording_for_the_common_mistakes():
    kind = refusal(HEAD + QUESTION * 2 + "    kind: scale\n")
    assert kind.problem == (
        "Line 8, questions[2].kind: `scale` is not one of text, rating, yesno, choice."
    )
    unknown = refusal(HEAD + QUESTION + "    colour: red\n")
    assert "`colour` isn't a field here" in unknown.problem
    assert unknown.fix == (
        "A question's fields are: "
        "title, prompt, examples, kind, labels, options, confidential, optional."
    )
    labels = refusal(HEAD + QUESTION + "    kind: rating\n    labels: [a, b, c, d]\n")
    assert "exactly 5 labels" in labels.problem and "this has 4" in labels.problem
    assert "this has 1" in refusal(HEAD + QUESTION + "    kind: choice\n    options: [x]\n").problem
    assert "50,000" in refusal("x" * 50_001).problem
    maybe = refusal(HEAD + QUESTION + "    confidential: maybe\n")
    assert "`maybe` isn't true or false" in maybe.problem
    assert "`confidential: true`" in maybe.fix


def test_user_text_in_refusals_is_escaped_for_slack():
    with pytest.raises(TemplateError) as caught:
        parse_template(HEAD + QUESTION + "    kind: <!channel>\n")
    assert "<!channel>" not in caught.value.problem
    assert "&lt;!channel&gt;" in caught.value.problem


def test_unknown_field_names_are_escaped_and_shortened_in_the_path():
    with pytest.raises(TemplateError) as caught:
        parse_template(HEAD + QUESTION + "    <!here" + "x" * 100 + ">: 1\n")
    assert caught.value.problem.startswith("Line 6, questions[1].&lt;!herexxx")
    assert "<" not in caught.value.problem and len(caught.value.problem) < 200


def test_yaml_errors_read_as_a_sentence():
    with pytest.raises(TemplateError) as caught:
        parse_template("name: a\n---\nname: b\n")
    assert caught.value.problem == (
        "Line 2, YAML: expected a single document in the stream, but found another document."
    )


def test_the_source_limit_is_checked_before_parsing():
    at_limit = HEAD + QUESTION + "#" * (50_000 - len(HEAD + QUESTION))
    assert len(parse_template(at_limit).questions) == 1
    with pytest.raises(TemplateError, match="50,000"):
        parse_template(at_limit + "#")


def test_fifty_questions_are_allowed():
    assert len(parse_template(questions(50)).questions) == 50


def test_limits_are_inclusive():
    source = (
        f"name: {'a' * 40}\ntitle: {'T' * 100}\ndescription: {'d' * 1000}\nquestions:\n"
        f"  - title: {'t' * 100}\n    prompt: {'p' * 1000}\n    examples: [{'e' * 500}]\n"
        f"    kind: choice\n    options: [{'o' * 80}, {', '.join(f'o{n}' for n in range(19))}]\n"
    )
    template = parse_template(source)
    assert len(template.questions[0].options) == 20
