# partnerbot in HTTP mode: `partnerbot run` serves /slack/events, /healthz and /metrics
# on PORT. Every dependency ships a binary wheel (psycopg[binary], cryptography,
# matplotlib), so neither stage needs a compiler, and the final one has no pip cache
# and no source tree: only the installed virtual environment.
ARG PYTHON=python:3.11-slim-bookworm

FROM ${PYTHON} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/partnerbot
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY commands commands
COPY formatting formatting
COPY reminders reminders
COPY scheduler scheduler
COPY storage storage
RUN /opt/partnerbot/bin/pip install --no-cache-dir . \
    && /opt/partnerbot/bin/partnerbot --help > /dev/null

FROM ${PYTHON}
# A user of its own with no login shell and no password: the bot needs no root.
RUN groupadd --system --gid 10001 partnerbot \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/partnerbot \
       --shell /usr/sbin/nologin partnerbot
COPY --from=build /opt/partnerbot /opt/partnerbot
ENV PATH=/opt/partnerbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    MPLCONFIGDIR=/tmp/matplotlib
USER 10001:10001
# The default SQLite file (no DATABASE_URL) lands here; mount a volume to keep it.
WORKDIR /home/partnerbot
EXPOSE 3000
# /healthz answers 503 when the database cannot be reached (bot/web.py). The image has
# no curl, so Python asks; Socket Mode serves no HTTP: turn it off there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# gunicorn stops its workers and the reminder process cleanly on SIGTERM (docker stop).
CMD ["partnerbot", "run"]
