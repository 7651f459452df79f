"""What a finished run tells its user: every failed step with the error that names its cause, every failed blocking
check with its rule in words, and what was therefore not done."""

from __future__ import annotations

import dagster as dg

# Metadata of a check result that says nothing about the cause (links, counts of expectations).
_NOT_A_CAUSE = {"data_docs_page", "data_docs_url", "data_docs_index", "observed", "expectations", "failure"}


def _text(value: object) -> str:
    return str(getattr(value, "value", value))


def _error_message(error) -> str:
    """The error's own message and its causes, without the stack: a traceback is not what a user reads first."""
    parts = []
    while error is not None:
        message = (error.message or "").strip()
        # Dagster wraps user-code errors ("Error occurred while executing op …:"); the cause holds the message
        if message and not message.startswith("dagster._core.errors.DagsterExecutionStepExecutionError"):
            parts.append(message.removeprefix(f"{error.cls_name}: ") if error.cls_name else message)
        error = error.cause
    return "\n    ".join(dict.fromkeys(parts)) or "(no message)"


def _check_lines(evaluation) -> list[str]:
    metadata = evaluation.metadata or {}
    label = f"{evaluation.asset_key.to_user_string()} · {evaluation.check_name}"
    said = evaluation.description or (_text(metadata["failure"]) if "failure" in metadata else None)
    lines = [f"BLOCKED by check {label}"]
    if said:
        lines += [f"    {line}" for line in said.splitlines()]
    details = [f"{k}: {_text(v)}" for k, v in metadata.items() if k not in _NOT_A_CAUSE]
    lines += [f"    {d}" for d in details]
    return lines


def failure_lines(result) -> list[str]:
    """One entry per failed step: the step and what it reported (an input error names its file and setting)."""
    lines = []
    for event in result.get_step_failure_events():
        data = event.step_failure_data
        said = data.user_failure_data.description if data.user_failure_data else None
        reason = said or (_error_message(data.error) if data.error else "failed")
        lines.append(f"{event.step_key}: {reason.strip()}")
    return lines


def failure_summary(result: dg.ExecuteInProcessResult) -> list[str]:
    """Lines for the end of `kpi build`: failed steps (step and cause), failed blocking checks, skipped steps."""
    lines = [f"FAILED step {line}" for line in failure_lines(result)]
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            lines += _check_lines(evaluation)
    if not result.success:
        # steps downstream of a failure are not started (no event of theirs), so ask what did run
        ran = {event.step_key for event in result.all_events if event.step_key}
        not_run = sorted(node.name for node in result.job_def.nodes if node.name not in ran)
        if not_run:
            lines.append(f"not run because of the above: {', '.join(not_run)}")
        published = any(
            event.asset_key is not None and event.asset_key.path[0] == "serving"
            for event in result.get_asset_materialization_events()
        )
        if not published:
            lines.append("the serving snapshot was NOT published: dashboards keep the last good snapshot")
    return lines
