"""Questionnaire templates: the YAML an officer writes (answers.py checks the replies).

A template is YAML like this (only `name`, `title`, `questions` and each question's
`title` and `prompt` are required):

    name: baseline                  # lowercase letters, digits and hyphens
    title: LSP baseline self-assessment
    description: Why and for whom.
    questions:
      - title: Operations
        prompt: How does your LSP operate?
        examples:                   # shown under the prompt
          - How often does your LSP meet?
        kind: text                  # text (the default), rating, yesno or choice
        confidential: true          # only officers and the person answering see it
        optional: true              # may be answered with `skip`
      - title: Risk management
        prompt: How well are risks managed?
        kind: rating
        labels: [Not in place, Early days, Working, Good, Excellent]   # for 1 to 5
      - title: Meeting frequency
        prompt: How often does the board meet?
        kind: choice
        options: [Monthly, Quarterly, Less often]

Every refusal names the line and the field, e.g. `questions[3].kind` for the third
question's kind (questions are counted from 1, as an officer would count them).
Refusals are mrkdwn with the user's text escaped.
"""

import re
from dataclasses import dataclass
from importlib import resources

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from commands.family import Refusal
from formatting.slack_text import escape

KINDS = ("text", "rating", "yesno", "choice")

_MAX_SOURCE = 50_000
_MAX_QUESTIONS = 50
_MAX_NAME, _MAX_TITLE, _MAX_DESCRIPTION = 40, 100, 1000
_MAX_PROMPT, _MAX_EXAMPLE, _MAX_CHOICE = 1000, 500, 80
_RATINGS = 5
_MIN_OPTIONS, _MAX_OPTIONS = 2, 20

_TEMPLATE_FIELDS = ("name", "title", "description", "questions")
_QUESTION_FIELDS = (
    "title",
    "prompt",
    "examples",
    "kind",
    "labels",
    "options",
    "confidential",
    "optional",
)
# An option that is only a number would be read as its position in the list.
OPTION_NUMBER = re.compile(r"(\d+)[.)]?")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_YAML_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_NULL, _BOOL = _YAML_TAG + "null", _YAML_TAG + "bool"
_YAML_FIX = (
    "Check the indentation (spaces, not tabs), and put text that contains `: ` or ` #`, "
    'or starts with a quote, bracket or `*`, in double quotes: `prompt: "Who chairs it: how?"`'
)

# A rating is its leading digit ("4", "4.", "4 - good"), but not a decimal or a range.


@dataclass(frozen=True)
class Question:
    title: str
    prompt: str
    examples: tuple[str, ...]
    kind: str
    labels: tuple[str, ...] = ()  # rating only: the words for 1 to 5
    options: tuple[str, ...] = ()  # choice only
    confidential: bool = False
    optional: bool = False


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    description: str
    questions: tuple[Question, ...]


def questions_count(template: "Template") -> str:
    """`1 question`, `10 questions`."""
    count = len(template.questions)
    return f"{count} question" + ("" if count == 1 else "s")


class TemplateError(Refusal):
    """A template that can't be used; the problem starts with `Line N, field:`."""


def parse_template(source: str) -> Template:
    if len(source) > _MAX_SOURCE:
        line = source.count("\n", 0, _MAX_SOURCE) + 1
        raise TemplateError(
            f"Line {line}, template: the template is {len(source):,} characters; "
            f"the limit is {_MAX_SOURCE:,}.",
            "Shorten the prompts and examples, or split it into two questionnaires.",
        )
    root = _compose(source)
    if not isinstance(root, MappingNode):
        raise _error(
            root,
            "template",
            "a template is a set of `field: value` lines, not a single value or a list.",
            "Start with `name:`, `title:` and `questions:`, each on a line of its own.",
        )
    fields = _Fields(root, "", _TEMPLATE_FIELDS, "A template")
    name = fields.text("name", _MAX_NAME, required=True, one_line=True)
    if not _SLUG.fullmatch(name):
        raise fields.error(
            "name",
            f"{shown(name)} isn't a usable name.",
            "Use lowercase letters, digits and hyphens, starting with a letter or digit, "
            "for example `baseline-2025`.",
        )
    return Template(
        name=name,
        title=fields.text("title", _MAX_TITLE, required=True, one_line=True),
        description=fields.text("description", _MAX_DESCRIPTION),
        questions=_questions(fields),
    )


def builtin_sources() -> dict[str, str]:
    """The YAML of each built-in template, by file name without `.yaml`."""
    folder = resources.files("commands.assess") / "builtin"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    return {f.name.removesuffix(".yaml"): f.read_text(encoding="utf-8") for f in files}


# Reading YAML nodes, so each problem can name its line.


class _Fields:
    """One YAML mapping's fields, checked against the names allowed there."""

    def __init__(self, node: MappingNode, path: str, allowed: tuple[str, ...], noun: str):
        self.node, self.path = node, path
        self.keys: dict[str, Node] = {}
        self.values: dict[str, Node] = {}
        _check_tag(node, path or "template", "map")
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else ""
            if name not in allowed:
                raise _error(
                    key,
                    self.where(_one_line(name, 40)) if name else path or "template",
                    f"{shown(name)} isn't a field here." if name else "a field name is missing.",
                    f"{noun}'s fields are: {', '.join(allowed)}.",
                )
            if name in self.keys:
                raise _error(key, self.where(name), "given twice.", "Keep one of them.")
            self.keys[name], self.values[name] = key, value

    def where(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str) -> Node | None:
        """The field's value, or None when it is left out or empty (`name:` or `~`)."""
        node = self.values.get(name)
        return None if node is None or node.tag == _NULL else node

    def error(self, name: str, problem: str, fix: str = "") -> TemplateError:
        node = self.get(name) or self.keys.get(name) or self.node
        return _error(node, self.where(name), problem, fix)

    def text(self, name: str, limit: int, *, required: bool = False, one_line: bool = False) -> str:
        node = self.get(name)
        value = _text(node, self.where(name), limit, one_line) if node else ""
        if required and not value:
            state = "empty" if name in self.keys else "missing"
            raise self.error(name, f"{state}; it is required here.", f"Add `{name}: …`.")
        return value

    def texts(self, name: str, limit: int, *, one_line: bool = False) -> list[tuple[Node, str]]:
        """Each item of a list of text, with its node for later problems."""
        node = self.get(name)
        if node is None:
            return []
        path = self.where(name)
        if not isinstance(node, SequenceNode):
            raise _error(
                node, path, "should be a list.", f"Write `{name}: [A, B]`, or one `- A` per line."
            )
        _check_tag(node, path, "seq")
        found = []
        for number, item in enumerate(node.value, start=1):
            value = _text(item, f"{path}[{number}]", limit, one_line)
            if not value:
                raise _error(
                    item, f"{path}[{number}]", "empty.", "Write it out, or remove the line."
                )
            found.append((item, value))
        return found

    def flag(self, name: str) -> bool:
        node = self.get(name)
        if node is None:
            return False
        scalar = isinstance(node, ScalarNode)
        value = SafeConstructor.bool_values.get(node.value.lower()) if scalar else None
        if node.tag != _BOOL or value is None:
            raise self.error(
                name,
                f"{shown(node.value) if scalar else 'a list'} isn't true or false.",
                f"Write `{name}: true` or `{name}: false` (or leave it out for false).",
            )
        return value


def _compose(source: str) -> Node | None:
    try:
        return yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        problem = error.problem or error.context or "not valid YAML"
        if problem.startswith("but ") and error.context:  # "expected …, but found …"
            problem = f"{error.context}, {problem}"
        raise TemplateError(f"Line {line}, YAML: {escape(problem)}.", _YAML_FIX) from None
    except yaml.YAMLError as error:  # a ReaderError: a character YAML doesn't allow
        line = source.count("\n", 0, getattr(error, "position", 0)) + 1
        raise TemplateError(
            f"Line {line}, YAML: it holds a character YAML doesn't allow.",
            "Remove control characters from that line.",
        ) from None
    except RecursionError:
        raise TemplateError(
            "Line 1, YAML: the lists and fields are nested too deeply.", _YAML_FIX
        ) from None


def _questions(fields: _Fields) -> tuple[Question, ...]:
    node = fields.get("questions")
    if not isinstance(node, SequenceNode) or not node.value:
        if "questions" not in fields.keys:
            problem = "missing; every template needs at least one question."
        elif node is not None and not isinstance(node, SequenceNode):
            problem = "should be a list of questions."
        else:
            problem = "empty; every template needs at least one question."
        raise fields.error(
            "questions", problem, "Add `questions:`, then each question as `- title: …`."
        )
    _check_tag(node, "questions", "seq")
    if len(node.value) > _MAX_QUESTIONS:
        raise _error(
            node.value[_MAX_QUESTIONS],
            f"questions[{_MAX_QUESTIONS + 1}]",
            f"a template has at most {_MAX_QUESTIONS} questions; this one has {len(node.value)}.",
            "Split it into two questionnaires.",
        )
    return tuple(_question(item, f"questions[{n}]") for n, item in enumerate(node.value, start=1))


def _question(node: Node, path: str) -> Question:
    if not isinstance(node, MappingNode):
        raise _error(
            node,
            path,
            "a question is a set of fields, starting `- title: …`.",
            "Give it `title:` and `prompt:` on lines of their own, indented under the `-`.",
        )
    fields = _Fields(node, path, _QUESTION_FIELDS, "A question")
    title = fields.text("title", _MAX_TITLE, required=True, one_line=True)
    prompt = fields.text("prompt", _MAX_PROMPT, required=True)
    examples = tuple(text for _, text in fields.texts("examples", _MAX_EXAMPLE))
    kind = fields.text("kind", _MAX_TITLE, one_line=True) or "text"
    if kind not in KINDS:
        raise fields.error(
            "kind",
            f"{shown(kind)} is not one of {', '.join(KINDS)}.",
            "Leave `kind` out for a written answer.",
        )
    return Question(
        title=title,
        prompt=prompt,
        examples=examples,
        kind=kind,
        labels=_labels(fields, kind),
        options=_options(fields, kind),
        confidential=fields.flag("confidential"),
        optional=fields.flag("optional"),
    )


def _labels(fields: _Fields, kind: str) -> tuple[str, ...]:
    labels = fields.texts("labels", _MAX_CHOICE, one_line=True)
    if kind != "rating":
        _only_for(fields, "labels", labels, "a rating", kind)
        return ()
    if len(labels) != _RATINGS:
        raise fields.error(
            "labels",
            f"a rating needs exactly {_RATINGS} labels, for 1 to {_RATINGS}; "
            f"this has {len(labels)}.",
            "For example: `labels: [Not in place, Early days, Working, Good, Excellent]`",
        )
    return tuple(text for _, text in labels)


def _options(fields: _Fields, kind: str) -> tuple[str, ...]:
    options = fields.texts("options", _MAX_CHOICE, one_line=True)
    if kind != "choice":
        _only_for(fields, "options", options, "a choice", kind)
        return ()
    if not _MIN_OPTIONS <= len(options) <= _MAX_OPTIONS:
        raise fields.error(
            "options",
            f"a choice needs {_MIN_OPTIONS} to {_MAX_OPTIONS} options; this has {len(options)}.",
            "For example: `options: [Monthly, Quarterly, Less often]`",
        )
    seen: dict[str, int] = {}
    for number, (node, option) in enumerate(options, start=1):
        where = f"{fields.where('options')}[{number}]"
        if OPTION_NUMBER.fullmatch(option):
            raise _error(
                node,
                where,
                f"{shown(option)} is only a number, and replies pick options by number.",
                "Put it in words, such as `3 times`, or make the question a rating.",
            )
        if folded(option) in seen:
            raise _error(
                node, where, f"{shown(option)} is option {seen[folded(option)]} again.", "Keep one."
            )
        seen[folded(option)] = number
    return tuple(option for _, option in options)


def _only_for(fields: _Fields, name: str, given: list, which: str, kind: str) -> None:
    if given:
        raise fields.error(
            name,
            f"only {which} question has {name}; this one's kind is `{kind}`.",
            f"Remove the {name}, or set `kind: {'rating' if name == 'labels' else 'choice'}`.",
        )


def _text(node: Node, path: str, limit: int, one_line: bool) -> str:
    if not isinstance(node, ScalarNode):
        what = "a list" if isinstance(node, SequenceNode) else "a set of fields"
        raise _error(node, path, f"should be text, not {what}.", "Check the indentation.")
    _check_tag(node, path, "")
    value = "" if node.tag == _NULL else node.value.strip()
    if one_line and "\n" in value:
        raise _error(node, path, "should fit on one line.", "Shorten it to one line.")
    if len(value) > limit:
        raise _error(
            node, path, f"{len(value):,} characters; the limit is {limit:,}.", "Shorten it."
        )
    return value


def _check_tag(node: Node, path: str, expected: str) -> None:
    """Only plain YAML: `!!python/object` and other explicit types are refused."""
    allowed = _SCALAR_TAGS if isinstance(node, ScalarNode) else {_YAML_TAG + expected}
    if node.tag not in allowed:
        raise _error(
            node,
            path,
            f"YAML tags such as {shown(node.tag.replace(_YAML_TAG, '!!'))} aren't used here.",
            "Remove the `!` tag.",
        )


def _error(node: Node | None, path: str, problem: str, fix: str = "") -> TemplateError:
    line = node.start_mark.line + 1 if node is not None else 1
    return TemplateError(f"Line {line}, {escape(path)}: {problem}", fix)


def shown(text: str, limit: int = 60) -> str:
    """User text quoted inside a message: one line, shortened, escaped."""
    text = _one_line(text, limit).replace("`", "'")
    return f"`{escape(text)}`" if text else "nothing"


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def folded(text: str) -> str:
    return " ".join(text.split()).casefold()
