# SPDX-License-Identifier: Apache-2.0
"""``directory import FILE…``: national-standard files (CSV, JSON, XLSX) from disk."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from directory.config import Settings
from directory.harvest import ImportReport, ReadError, import_file
from directory.places import load_gazetteer
from directory.schema import Severity

from ._common import echo_json, open_settings_store
from .indexing import sync_index

__all__ = ["import_"]


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "format_", type=click.Choice(["csv", "json"]), help="Format (défaut : d'après l'extension).")
@click.option("--json", "as_json", is_flag=True, help="Rapport en JSON sur la sortie standard.")
@click.option("--details/--no-details", default=True, help="Lister chaque problème (défaut) ou seulement le résumé.")
@click.pass_obj
def import_(settings: Settings, files: tuple[Path, ...], format_: str | None, as_json: bool, details: bool) -> None:
    """Importe des fichiers au standard national (CSV, JSON ou classeur Excel .xlsx ; v1 ou v0.1).

    Chaque ligne est validée : les lignes valides sont enregistrées, les autres
    mises en quarantaine avec la raison. Le code de sortie est 1 si une ligne
    au moins a été rejetée.
    """
    store = open_settings_store(settings, upgrade=True)
    places = load_gazetteer()
    console = Console(stderr=as_json, soft_wrap=True)
    reports: list[ImportReport] = []
    failed = False
    for path in files:
        with Progress(
            TextColumn(f"[bold]{path.name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("import", total=None)
            try:
                report = import_file(
                    store, path, places=places, format=format_, progress=lambda n: bar.advance(task, n)
                )
            except ReadError as err:
                console.print(f"[red]✗ {path} : {err}[/red]")
                failed = True
                continue
        reports.append(report)
        failed |= not report.ok
        if not as_json:
            _print_report(console, report, details)
    sync_index(settings, store)
    if as_json:
        echo_json([r.as_dict() for r in reports])
    if failed:
        raise SystemExit(1)


def _print_report(console: Console, report: ImportReport, details: bool) -> None:
    mark = "[green]✓[/green]" if report.ok else "[yellow]![/yellow]"
    console.print(
        f"{mark} {report.path} ({report.encoding}) : {report.read} lus, {report.stored} enregistrés "
        f"({report.created} nouveaux, {report.updated} modifiés, {report.unchanged} inchangés), "
        f"[bold]{report.rejected} rejetés[/bold], {report.flagged} avec avertissements — {report.seconds:.1f} s"
    )
    for note in report.file_notes:
        console.print(f"  fichier : {note}", highlight=False, markup=False)
    for problem in report.file_problems:
        console.print(f"  [red]fichier : {problem}[/red]")
    if details:
        for p in report.problems:
            style = "red" if p.problem.severity is Severity.ERROR else "yellow"
            kind = "rejet" if p.problem.severity is Severity.ERROR else "avertissement"
            value = "" if p.problem.value in (None, "") else f" [dim](valeur : {str(p.problem.value)[:80]!r})[/dim]"
            console.print(
                f"  [{style}]ligne {p.position}[/{style}] id={p.record_id or '?'} · {kind} · "
                f"{p.problem.field} : {p.problem.message}{value}",
                highlight=False,
            )
    for severity, title in ((Severity.ERROR, "Raisons de rejet"), (Severity.WARNING, "Avertissements")):
        top = report.top_reasons(severity)
        if top:
            console.print(f"  {title} : " + " ; ".join(f"{reason} ×{n}" for reason, n in top), highlight=False)
