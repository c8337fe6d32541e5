"""The meeting pack as a document, apart from how it is written out: the same paper
becomes a channel's canvas (to_markdown) or, where Slack has no canvases for the
workspace, a Word file (commands.partnership.pack_docx). User text stays plain text
here; each writer escapes it for its own format."""

from dataclasses import dataclass

from formatting.canvas_markdown import canvas_channel, canvas_user, escape_canvas, line_safe


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Person:
    user_id: str


@dataclass(frozen=True)
class Channel:
    channel_id: str


Span = str | Strong | Person | Channel
Inline = tuple[Span, ...]


@dataclass(frozen=True)
class Heading:
    level: int  # 1 to 3: canvases have no deeper headings
    text: str


@dataclass(frozen=True)
class Para:
    spans: Inline


@dataclass(frozen=True)
class Items:
    items: tuple[Inline, ...]
    numbered: bool = False  # the papers' recommendations are numbered


@dataclass(frozen=True)
class Table:
    head: tuple[str, ...]
    rows: tuple[tuple[Inline, ...], ...]


Block = Heading | Para | Items | Table


@dataclass(frozen=True)
class Paper:
    title: str
    blocks: tuple[Block, ...]

    def people(self) -> tuple[str, ...]:
        """Everyone the paper names, for the Word file's real names."""
        found = [s.user_id for spans in _all_spans(self) for s in spans if isinstance(s, Person)]
        return tuple(dict.fromkeys(found))


def to_markdown(paper: Paper) -> str:
    """The paper as canvas markdown (formatting.canvas_markdown says what is escaped)."""
    parts = [f"# {escape_canvas(paper.title)}"] + [_block(block) for block in paper.blocks]
    return "\n\n".join(parts) + "\n"


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + escape_canvas(block.text)
    if isinstance(block, Para):
        return line_safe(_inline(block.spans))
    if isinstance(block, Items):
        return "\n".join(
            f"{f'{n}.' if block.numbered else '-'} {line_safe(_inline(item))}"
            for n, item in enumerate(block.items, start=1)
        )
    head = "| " + " | ".join(escape_canvas(cell) for cell in block.head) + " |"
    rule = "|" + "---|" * len(block.head)
    rows = ["| " + " | ".join(_inline(cell) for cell in row) + " |" for row in block.rows]
    return "\n".join([head, rule, *rows])


def _inline(spans: Inline) -> str:
    return "".join(_span(span) for span in spans)


def _span(span: Span) -> str:
    if isinstance(span, Strong):
        return f"**{escape_canvas(span.text)}**"
    if isinstance(span, Person):
        return canvas_user(span.user_id)
    if isinstance(span, Channel):
        return canvas_channel(span.channel_id)
    return escape_canvas(span)


def _all_spans(paper: Paper) -> list[Inline]:
    found: list[Inline] = []
    for block in paper.blocks:
        if isinstance(block, Para):
            found.append(block.spans)
        elif isinstance(block, Items):
            found += block.items
        elif isinstance(block, Table):
            found += [cell for row in block.rows for cell in row]
    return found
