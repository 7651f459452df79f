# One image for every service of the stack; each compose service runs one of ops/services.py's commands.
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends make chromium chromium-driver nginx \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
# .pyc written at install time, as `make sync` does: services start without compiling their imports
ENV UV_COMPILE_BYTECODE=1
COPY pyproject.toml uv.lock README.md ./
COPY superset/pyproject.toml superset/uv.lock superset/
RUN uv sync --frozen --no-install-project \
    && cd superset && uv sync --frozen
COPY . .
RUN uv sync --frozen
ENV KPI_DATA_DIR=/data
# The services run as an unprivileged user that owns only the data volume.
RUN useradd --create-home --uid 10001 kpi && mkdir -p /data && chown kpi:kpi /data
USER kpi
VOLUME ["/data"]
