# SPDX-License-Identifier: Apache-2.0
"""``directory import FILE…``: files from disk, each the whole current snapshot of its source,
through the harvest's own path (``directory.harvest.import_file``)."""

from __future__ import annotations

from pathlib import Path

import click
import pydantic
from rich.console import Console

from directory.config import Settings
from directory.harvest import (
    INTERRUPTED,
    HarvestReport,
    ReadError,
    SourceConfig,
    fail_interrupted_runs,
    file_source,
    import_file,
)
from directory.places import load_gazetteer
from directory.schema import Severity

from ._common import echo_json, fail, open_settings_store
from .harvesting import direct_origins, geocoder_for, harvest_lock, load_configured, print_summary, records_bar
from .indexing import sync_index

__all__ = ["import_"]

#: Formats a person may name; others are read through a source file and its [mapping].
FORMATS = ("csv", "json", "xlsx", "geojson")


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    "source_id",
    help="La source dont le fichier est l'instantané complet (une source configurée, ou un nouvel identifiant) ; "
    "défaut : une source par fichier, nommée d'après lui.",
)
@click.option("--format", "format_", type=click.Choice(FORMATS), help="Format (défaut : d'après l'extension).")
@click.option("--json", "as_json", is_flag=True, help="Rapport en JSON sur la sortie standard.")
@click.option("--details/--no-details", default=True, help="Lister chaque problème (défaut) ou seulement le résumé.")
@click.option(
    "--confirmer-retraits",
    "confirm",
    is_flag=True,
    help="La source a vraiment perdu des lieux : les retirer même si l'import paraît suspect.",
)
@click.pass_obj
def import_(
    settings: Settings,
    files: tuple[Path, ...],
    source_id: str | None,
    format_: str | None,
    as_json: bool,
    details: bool,
    confirm: bool,
) -> None:
    """Importe des fichiers au standard national (CSV, JSON, GeoJSON ou classeur Excel ; v1 ou v0.1).

    Chaque fichier est l'état complet de sa source, lu comme une moisson :
    lignes validées (les autres en quarantaine avec la raison), rapprochées
    de tout l'annuaire, fusionnées ; les lieux que la source n'a plus sont
    retirés, sous les mêmes garde-fous. Le code de sortie est 1 si une ligne
    au moins a été mise en quarantaine, ou si un fichier n'a pu être lu.
    """
    if source_id is not None and len(files) > 1:
        raise fail("--source ne vaut que pour un fichier : chaque fichier est l'état complet de sa source")
    configured = {c.id: c for c in load_configured(settings)} if settings.sources_dir.is_dir() else {}
    sources = [_source(path, source_id, format_, configured) for path in files]
    console = Console(stderr=as_json, soft_wrap=True)
    reports: list[tuple[Path, HarvestReport]] = []
    with harvest_lock(settings):
        store = open_settings_store(settings, upgrade=True)
        try:
            for run in fail_interrupted_runs(store):
                console.print(f"moisson {run.id} de {run.source_id} : {INTERRUPTED}", highlight=False)
            places = load_gazetteer()
            direct = direct_origins(configured.values())
            with geocoder_for(settings, store, places) as geocoder:
                for path, source in zip(files, sources):
                    with records_bar(console, path.name) as progress:
                        report = import_file(
                            store,
                            path,
                            source=source,
                            places=places,
                            geocoder=geocoder,
                            direct_origins=direct,
                            instance_name=settings.instance_name or None,
                            progress=progress,
                            confirm_withdrawals=confirm,
                        )
                    reports.append((path, report))
                    if not as_json:
                        print_summary(console, report)
                        _print_problems(console, report, details)
            sync_index(settings, store)
        finally:
            store.close()
    if as_json:
        echo_json([{"path": str(path), **report.as_dict()} for path, report in reports])
    if any(r.status in ("failed", "partial") or r.quarantined for _, r in reports):
        raise SystemExit(1)


def _source(
    path: Path, source_id: str | None, format_: str | None, configured: dict[str, SourceConfig]
) -> SourceConfig:
    """The source ``path`` is imported as: a configured one reading this file, or a source of its own."""
    try:
        if source_id is not None and source_id in configured:
            return configured[source_id].reading(path, format_)
        return file_source(path, source_id=source_id, format=format_)
    except ReadError as err:
        raise fail(f"{path} : {err}") from err
    except pydantic.ValidationError as err:
        raise fail(
            f"« {source_id} » n'est pas un identifiant de source : minuscules, chiffres et tirets (ex. « grand-lyon »)"
        ) from err


def _print_problems(console: Console, report: HarvestReport, details: bool) -> None:
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
    for title, reasons in (("Raisons de rejet", report.rejected_reasons), ("Avertissements", report.warning_reasons)):
        if reasons:
            top = " ; ".join(f"{reason} ×{n}" for reason, n in reasons.most_common(10))
            console.print(f"  {title} : {top}", highlight=False)
