"""The report for people (a ``rich`` table) and for CI (JSON)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .analysis import Report, Severity

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def as_json(report: Report) -> str:
    """The report as JSON (stable keys, one verdict per Ingress with ``auth-url``)."""
    controller = report.controller.controller
    data: dict[str, Any] = {
        "controller": {
            "description": controller.describe(),
            "version": controller.version,
            "from": report.controller.origin,
            "assumed": report.controller.assumed,
        },
        "ingresses": [
            {
                "ingress": v.ingress.key,
                "hosts": list(v.ingress.hosts),
                "source": v.ingress.source,
                "admitted": v.admitted,
                "unauthenticated": v.unauthenticated,
                "backend_401": v.backend_401,
                "worst": str(v.worst) if v.worst is not None else None,
                "findings": [
                    {
                        "severity": str(f.severity),
                        "kind": f.kind,
                        "message": f.message,
                        "source": f.source,
                    }
                    for f in v.findings
                ],
            }
            for v in report.verdicts
        ],
        "ingresses_without_auth": report.unprotected,
        "skipped": dict(sorted(report.skipped.items())),
        "worst": str(report.worst) if report.worst is not None else None,
    }
    return json.dumps(data, indent=2) + "\n"


def print_table(report: Report, console: Console) -> None:
    """Print the verdicts and findings as tables."""
    view = report.controller
    console.print(
        Text.assemble(
            ("Controller: ", "bold"),
            view.controller.describe(),
            (f"  [from {view.origin}]", "dim"),
        )
    )
    if not report.verdicts:
        console.print("No Ingress with nginx.ingress.kubernetes.io/auth-url in the input.")
    summary = Table(title="Ingresses with external auth", show_lines=False, expand=False)
    summary.add_column("Ingress / hosts", overflow="fold")
    for column in ("Admitted", "Unauthenticated browser", "Backend 401"):
        summary.add_column(column, overflow="fold")
    for v in report.verdicts:
        summary.add_row(
            Text.assemble(v.ingress.key, "\n", (", ".join(v.ingress.hosts), "dim")),
            Text(v.admitted, style="bold red" if v.admitted.startswith("refused") else ""),
            v.unauthenticated,
            v.backend_401,
        )
    if report.verdicts:
        console.print(summary)
    for v in report.verdicts:
        if not v.findings:
            continue
        table = Table(
            title=f"Findings: {v.ingress.key}", show_lines=True, expand=False, title_justify="left"
        )
        table.add_column("Severity", no_wrap=True)
        table.add_column("Finding (and the source it rests on)", overflow="fold")
        for f in v.findings:
            table.add_row(
                Text.assemble((str(f.severity), _STYLE[f.severity]), "\n", (f.kind, "dim")),
                Text.assemble(f.message, "\n", (f"[{f.source}]", "dim")),
            )
        console.print(table)
    if report.verdicts and not any(v.findings for v in report.verdicts):
        console.print("No findings.")
    if report.verdicts:
        console.print(Text("Sources: kubernetes/ingress-nginx at controller-v1.15.1.", style="dim"))
    if report.unprotected or report.skipped:
        skipped = ", ".join(f"{k} x{n}" for k, n in sorted(report.skipped.items()))
        console.print(
            Text(
                f"Not examined: {report.unprotected} Ingress(es) without auth-url"
                + (f"; other objects: {skipped}" if skipped else ""),
                style="dim",
            )
        )
