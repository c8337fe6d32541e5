"""A questionnaire's export as a Word document, for people who work in Word: the same
content as the Markdown export (commands.assess.answer_files.Export), confidential
answers already left out there."""

import io

from docx import Document

from commands.assess.answer_files import Export


def export_docx(export: Export, names: dict[str, str]) -> bytes:
    document = Document()
    document.core_properties.title = export.title
    document.add_heading(export.title, level=0)
    for line in export.about_lines(names):
        document.add_paragraph(line, style="List Bullet")
    for answered in export.answers:
        document.add_heading(answered.heading, level=1)
        document.add_paragraph().add_run(answered.prompt).italic = True
        document.add_paragraph(answered.answer)
        for change in answered.changes:
            document.add_paragraph(change, style="Intense Quote")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
