"""The Docker files and the README agree: whatever compose.yaml hands the bot is a
setting the README documents, and the image serves the health check it asks for."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()


def documented_settings() -> set[str]:
    """The variables named in the first column of the README's settings table."""
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\| ([^|]+) \|", section, re.MULTILINE)
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z_]+)`", cell)}


def test_every_variable_compose_passes_the_bot_is_documented():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    passed = set(compose["services"]["bot"]["environment"])
    assert passed - documented_settings() == set()


def test_the_bot_waits_for_a_healthy_database():
    bot = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["bot"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_image_runs_as_a_user_and_checks_the_health_endpoint():
    dockerfile = (ROOT / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert re.search(r"^USER [1-9]\d*:[1-9]\d*$", final_stage, re.MULTILINE)
    assert "/healthz" in final_stage.split("HEALTHCHECK", 1)[1]
    assert 'path == "/healthz"' in (ROOT / "bot" / "web.py").read_text()
