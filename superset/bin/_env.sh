# Sourced by the bin scripts: the Superset env's interpreter and config, independent of the caller's cwd.
SUPERSET_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$SUPERSET_DIR/.venv"
export SUPERSET_CONFIG_PATH="$SUPERSET_DIR/superset_config.py"
export PYTHONPATH="$SUPERSET_DIR${PYTHONPATH:+:$PYTHONPATH}"
export FLASK_APP="superset.app:create_app()"
# Superset's own example loader and telemetry stay off: the stack has no internet.
export SUPERSET_LOAD_EXAMPLES=no
export SCARF_ANALYTICS=false
# Superset's metadata, sessions, cache and logs are readable by their owner only.
umask 077
cd "$SUPERSET_DIR"
if [ ! -x "$VENV/bin/python" ]; then
    echo "superset env missing: run 'cd superset && uv sync --frozen' (or 'make sync')" >&2
    exit 1
fi
