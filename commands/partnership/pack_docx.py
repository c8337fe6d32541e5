"""The meeting pack as a Word file, for workspaces where Slack answers that canvases are
not available (free teams, canvases turned off): the same paper, so the same figures.

Word has no Slack mentions: people are named by their Slack real name (looked up with
users.info by the bot, bot.real_names), channels by their id."""

import io

from docx import Document
from docx.table import Table as WordTable
from docx.text.paragraph import Paragraph

from commands.partnership.pack_paper import (
    Block,
    Channel,
    Heading,
    Inline,
    Items,
    Paper,
    Para,
    Person,
    Strong,
    Table,
)


def to_docx(paper: Paper, names: dict[str, str]) -> bytes:
    """The paper as a .docx; `names` maps Slack user ids to real names."""
    document = Document()
    document.core_properties.title = paper.title
    document.add_heading(paper.title, level=0)
    for block in paper.blocks:
        _add(document, block, names)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _add(document, block: Block, names: dict[str, str]) -> None:
    if isinstance(block, Heading):
        document.add_heading(block.text, level=block.level)
    elif isinstance(block, Para):
        _write(document.add_paragraph(), block.spans, names)
    elif isinstance(block, Items):
        style = "List Number" if block.numbered else "List Bullet"
        for item in block.items:
            _write(document.add_paragraph(style=style), item, names)
    else:
        _table(document.add_table(rows=1, cols=len(block.head)), block, names)


def _table(table: WordTable, block: Table, names: dict[str, str]) -> None:
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, block.head, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for row in block.rows:
        for cell, spans in zip(table.add_row().cells, row, strict=True):
            _write(cell.paragraphs[0], spans, names)


def _write(paragraph: Paragraph, spans: Inline, names: dict[str, str]) -> None:
    for span in spans:
        if isinstance(span, Strong):
            paragraph.add_run(span.text).bold = True
        elif isinstance(span, Person):
            paragraph.add_run(names.get(span.user_id) or f"@{span.user_id}")
        elif isinstance(span, Channel):
            paragraph.add_run(f"Slack channel {span.channel_id}")
        else:
            paragraph.add_run(span)
