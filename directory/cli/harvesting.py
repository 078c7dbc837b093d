# SPDX-License-Identifier: Apache-2.0
"""``directory sources``, ``directory harvest …`` and ``directory worker``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial

import click
import sqlalchemy as sa
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from directory.config import Settings
from directory.harvest import (
    INTERRUPTED,
    Fetcher,
    Geocoder,
    HarvestReport,
    SourceConfig,
    SourceConfigError,
    check_samples,
    default_processes,
    fail_interrupted_runs,
    harvest_source,
    load_sources,
)
from directory.harvest import harvest_lock as database_lock
from directory.places import Gazetteer, load_gazetteer
from directory.schema import MESSAGES
from directory.store import Store, UnknownSource, utcnow

from ._common import bad_database_address, echo_json, fail, open_settings_store
from .indexing import sync_index

__all__ = [
    "sources",
    "harvest",
    "worker",
    "direct_origins",
    "geocoder_for",
    "harvest_lock",
    "load_configured",
    "print_summary",
    "records_bar",
]

_STATUS = {
    "complete": "complète",
    "unchanged": "inchangée",
    "partial": "partielle",
    "failed": "échec",
    "running": "en cours",
}
#: The counts of a run in French (``HarvestReport.counts``; an import is a harvest of a file).
_COUNTS = {
    "fetched": "reçus",
    "new": "nouveaux",
    "updated": "modifiés",
    "unchanged": "inchangés",
    "quarantined": "en quarantaine",
    "geocoded": "géocodés",
    "placed_at_commune": "placés au centre de leur commune",
    "merged": "fusionnés",
    "to_review": "à vérifier",
    "withdrawn": "retirés",
    "skipped": "ignorés (déjà moissonnés à la source)",
    "requests": "requêtes",
}


def load_configured(settings: Settings) -> list[SourceConfig]:
    try:
        return load_sources(settings.sources_dir)
    except SourceConfigError as err:
        raise fail(str(err)) from err


def _no_sources(settings: Settings) -> str:
    where = settings.sources_dir
    missing = "" if where.is_dir() else " (ce dossier n'existe pas)"
    return (
        f"aucune source dans {where}{missing} : un fichier TOML par source (docs/sources.md), "
        "ou un autre dossier avec DIRECTORY_SOURCES_DIR"
    )


@click.group(invoke_without_command=True)
@click.pass_context
def sources(ctx: click.Context) -> None:
    """Liste les sources moissonnées, leur état et leur dernière moisson."""
    if ctx.invoked_subcommand is not None:
        return
    settings: Settings = ctx.obj
    configs = load_configured(settings)
    store = open_settings_store(settings, upgrade=True)
    last = store.sources.last_runs()
    counts = store.sources.record_counts()
    click.echo(f"Sources ({settings.sources_dir}) :")
    if not configs:
        click.echo(f"  {_no_sources(settings)}")
    for config in configs:
        run = last.get(config.id)
        state = store.sources.state(config.id)
        done = f"{_when(run.started_at)} ({_STATUS.get(run.status, run.status)})" if run else "jamais"
        due = _when(state.next_due_at) if state.next_due_at else "maintenant"
        enabled = "" if config.enabled else " · désactivée"
        click.echo(
            f"  {config.id} — {config.kind}, tous les {_interval(config.interval)}{enabled} — "
            f"{counts.get(config.id, 0)} fiches — dernière moisson : {done} — prochaine : {due}"
        )


@sources.command("check")
@click.pass_obj
def check(settings: Settings) -> None:
    """Vérifie chaque fichier de source et ses exemples (entrée → résultat attendu)."""
    failures = 0
    places = load_gazetteer()  # as a harvest: a postcode and a commune give the INSEE code
    for config in load_configured(settings):
        problems = check_samples(config, places=places)
        failures += len(problems)
        click.echo(f"{'✓' if not problems else '✗'} {config.id} : {len(config.samples)} exemples")
        for problem in problems:
            click.echo(f"    {problem}")
    if failures:
        raise SystemExit(1)


@sources.command("feedback")
@click.argument("source_id")
@click.option("--depuis", "since", help="Corrections faites depuis cette date (AAAA-MM-JJ).")
@click.option("--json", "as_json", is_flag=True, help="Retours en JSON.")
@click.pass_obj
def feedback(settings: Settings, source_id: str, since: str | None, as_json: bool) -> None:
    """Retours au producteur : fiches en quarantaine et corrections des curateurs."""
    try:
        moment = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC) if since else None
    except ValueError as err:
        raise fail("« --depuis » doit être une date AAAA-MM-JJ, par exemple 2025-01-31") from err
    store = open_settings_store(settings, upgrade=True)
    try:
        result = store.feedback(source_id, moment)
    except UnknownSource as err:
        raise fail(f"source inconnue : {source_id}") from err
    if as_json:
        echo_json(result.as_json(people=True))
        return
    run = (
        f"moisson {result.run_id} du {_when(result.run_at)}, la dernière qui a lu la source"
        if result.run_at
        else "aucune moisson n'a lu la source"
    )
    click.echo(f"Retours pour {source_id} — {len(result.quarantined)} fiche(s) en quarantaine ({run}) :")
    for q in result.quarantined:
        click.echo(f"  ligne {q.position} · {q.record_id or 'sans identifiant'}")
        for p in q.problems:
            click.echo(f"    {p.get('field') or '—'} : {p.get('message') or p.get('code')}")
    depuis = f" depuis le {moment:%d/%m/%Y}" if moment else ""
    click.echo(f"{len(result.corrections)} correction(s) des curateurs{depuis} :")
    for c in result.corrections:
        click.echo(
            f"  {_when(c.at)} · {c.actor} · lieu {c.venue_id} (fiche {c.record_id}) · "
            f"{c.field or '—'} : {json.dumps(c.old, ensure_ascii=False)} → {json.dumps(c.new, ensure_ascii=False)}"
        )


@click.command()
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Toutes les sources actives.")
@click.option("--due", is_flag=True, help="Les sources dont l'intervalle est écoulé (pour cron).")
@click.option("--json", "as_json", is_flag=True, help="Rapports en JSON.")
@click.option(
    "--confirmer-retraits",
    "confirm",
    is_flag=True,
    help="La source a vraiment perdu des lieux : les retirer même si la moisson paraît suspecte.",
)
@click.option(
    "--processus",
    "processes",
    type=click.IntRange(min=1),
    help="Nombre de processus qui valident les fiches (défaut : un par cœur de la machine ; ils cèdent le pas "
    "au processus qui écrit, et à un serveur web sur la même machine).",
)
@click.pass_obj
def harvest(
    settings: Settings,
    names: tuple[str, ...],
    all_: bool,
    due: bool,
    as_json: bool,
    confirm: bool,
    processes: int | None,
) -> None:
    """Moissonne des sources : « directory harvest SOURCE… », « --all » ou « --due ».

    « directory harvest report [RUN] » affiche le rapport d'une moisson
    (la dernière de chaque source sans numéro).
    """
    if names and names[0] == "report":
        _report(settings, names[1:], as_json)
        return
    configs = load_configured(settings)
    if (all_ or due) and not configs:
        raise fail(_no_sources(settings))
    if all_ or due:
        chosen = [c for c in configs if c.enabled]
    else:
        by_id = {c.id: c for c in configs}
        unknown = [n for n in names if n not in by_id]
        if unknown or not names:
            raise fail(
                f"source inconnue : {', '.join(unknown)} (sources : {', '.join(by_id) or 'aucune'})"
                if unknown
                else "indiquez une ou plusieurs sources, --all ou --due"
            )
        chosen = [by_id[n] for n in names]
    if confirm and (all_ or due):
        raise fail("--confirmer-retraits se donne pour des sources nommées, une personne ayant vérifié chacune")
    reports = run_harvests(
        settings,
        configs,
        chosen,
        Console(stderr=as_json, soft_wrap=True),
        due_only=due,
        confirm_withdrawals=confirm,
        processes=processes,
    )
    if as_json:
        echo_json([r.as_dict() for r in reports])
    if any(r.status == "failed" for r in reports):
        raise SystemExit(1)


def run_harvests(
    settings: Settings,
    configs: list[SourceConfig],
    chosen: list[SourceConfig],
    console: Console,
    *,
    due_only: bool = False,
    confirm_withdrawals: bool = False,
    processes: int | None = None,
) -> list[HarvestReport]:
    """Harvest each chosen source in turn (with ``due_only``, those whose interval has passed) and print
    its summary; one harvest at a time per database (:func:`harvest_lock`), the store opened (and
    migrated) once the lock is ours, runs that a dead process left « en cours » marked failed."""
    with harvest_lock(settings):
        store = open_settings_store(settings, upgrade=True)
        try:
            for run in fail_interrupted_runs(store):
                console.print(f"moisson {run.id} de {run.source_id} : {INTERRUPTED}", highlight=False)
            return _harvest_chosen(
                settings,
                store,
                configs,
                chosen,
                console,
                due_only,
                confirm_withdrawals,
                processes or default_processes(),
            )
        finally:
            store.close()


def _harvest_chosen(
    settings: Settings,
    store: Store,
    configs: list[SourceConfig],
    chosen: list[SourceConfig],
    console: Console,
    due_only: bool,
    confirm_withdrawals: bool,
    processes: int,
) -> list[HarvestReport]:
    if due_only:  # once the lock is ours: the harvest we waited for may have just done them
        chosen = [c for c in chosen if _is_due(store, c.id)]
    if not chosen:
        return []
    places = load_gazetteer()
    direct = direct_origins(configs)
    reports = []
    with Fetcher() as fetcher, geocoder_for(settings, store, places) as geocoder:  # one of each for every run
        for config in chosen:
            with records_bar(console, config.id) as progress:
                report = harvest_source(
                    store,
                    config,
                    fetcher=fetcher,
                    places=places,
                    geocoder=geocoder,
                    direct_origins=direct,
                    instance_name=settings.instance_name or None,
                    progress=progress,
                    confirm_withdrawals=confirm_withdrawals,
                    processes=processes,
                )
            print_summary(console, report)
            reports.append(report)
    sync_index(settings, store)
    return reports


@contextmanager
def harvest_lock(settings: Settings) -> Iterator[None]:
    """Hold the harvest lock while harvesting (:mod:`directory.harvest.lock`: PostgreSQL's advisory
    lock, seen by every machine sharing the database; on SQLite the data folder's lock file): a
    second harvest, or the worker, waits for the first (and says so) instead of reading the same
    source at the same time. Released by the server or the system if the process dies."""
    with ExitStack() as held:
        try:
            held.enter_context(database_lock(settings.database, settings.data_dir, lambda s: click.echo(s, err=True)))
        except sa.exc.OperationalError as err:
            raise fail(f"impossible d'ouvrir la base de données {settings.database} : {err.orig}") from err
        except (ValueError, sa.exc.ArgumentError) as err:
            raise bad_database_address(settings) from err
        yield


@contextmanager
def records_bar(console: Console, label: str) -> Iterator[Callable[[int], None]]:
    """A transient bar counting the records a run reads (``label``: the source, or the file);
    yields what the run calls with each batch's count."""
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        TextColumn("{task.completed} enregistrements"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        yield partial(bar.advance, bar.add_task(label, total=None))


def direct_origins(configs: Iterable[SourceConfig]) -> frozenset[str]:
    """Publishers harvested directly by an enabled source: their records reaching us through an
    aggregator are not taken twice (``harvest_source``'s ``direct_origins``)."""
    return frozenset(c.publisher for c in configs if c.enabled and c.origin is None and c.publisher)


@contextmanager
def geocoder_for(settings: Settings, store: Store, places: Gazetteer) -> Iterator[Geocoder | None]:
    """The BAN geocoder the settings name (None: none), for every run of one command; its HTTP
    client is closed when the block ends."""
    if not settings.geocoder_url:
        yield None
        return
    from directory.harvest import BanGeocoder, GeocodeCache

    with BanGeocoder(settings.geocoder_url, cache=GeocodeCache(store), places=places) as geocoder:
        yield geocoder


def print_summary(console: Console, r: HarvestReport) -> None:
    mark = {"complete": "[green]✓[/green]", "unchanged": "[green]=[/green]", "partial": "[yellow]![/yellow]"}.get(
        r.status, "[red]✗[/red]"
    )
    console.print(
        f"{mark} {r.source_id} (moisson {r.run_id}, {_STATUS.get(r.status, r.status)}) : "
        f"{_counts_text(r.counts())}, {r.seconds:.1f} s",
        highlight=False,
    )
    for note in r.notes:
        console.print(f"    {note}", highlight=False, markup=False)


def _report(settings: Settings, runs: tuple[str, ...], as_json: bool) -> None:
    store = open_settings_store(settings, upgrade=True)
    if runs:
        try:
            found = [store.sources.run(int(n)) for n in runs]
        except ValueError as err:
            raise fail("le numéro de moisson doit être un nombre") from err
        if None in found:
            raise fail("moisson introuvable")
        summaries = [run for run in found if run is not None]
    else:
        summaries = sorted(store.sources.last_runs().values(), key=lambda r: r.source_id)
    if as_json:
        echo_json(
            [
                {
                    "run": r.id,
                    "source": r.source_id,
                    "kind": r.kind,
                    "status": r.status,
                    "started_at": r.started_at.isoformat(),
                    "counts": r.counts,
                    "report": r.report,
                }
                for r in summaries
            ]
        )
        return
    for r in summaries:
        click.echo(f"Moisson {r.id} — {r.source_id} — {_when(r.started_at)} — {_STATUS.get(r.status, r.status)}")
        click.echo(f"  {_counts_text(r.counts)}")
        for note in r.report.get("notes", []):
            click.echo(f"  {note}")
        for kind, key in (("rejet", "rejected_reasons"), ("avertissement", "warning_reasons")):
            for reason, n in r.report.get(key, []):
                click.echo(f"  {kind} ×{n} · {_reason_text(reason)}")


def _counts_text(counts: Mapping[str, int]) -> str:
    """« 12 reçus, 3 nouveaux, … 0 retirés — 4 requêtes »: the ignored only when there are some."""
    words = ", ".join(
        f"{n} {_COUNTS.get(k, k)}" for k, n in counts.items() if k != "requests" and (n or k != "skipped")
    )
    return words + (f" — {counts['requests']} requêtes" if "requests" in counts else "")


def _reason_text(reason: str) -> str:
    """A reason as a run's report counts it (« champ : code » for warnings, « champ : message » for
    rejections) in words: the code's message, its particulars (value, distance…) left as « … »."""
    field, sep, code = reason.partition(" : ")
    if not sep or code not in MESSAGES:
        return reason
    return f"{field} : {MESSAGES[code].format_map(_Unknown())}"


class _Unknown(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"


def _is_due(store: Store, source_id: str) -> bool:
    state = store.sources.state(source_id)
    return state.next_due_at is None or state.next_due_at <= utcnow()


def _interval(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:g} j" if hours >= 24 else f"{hours:g} h"


def _when(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y %H:%M")


@click.command()
@click.option("--every", default=300, show_default=True, help="Secondes entre deux passages.")
@click.option("--once", is_flag=True, help="Un seul passage (pour les tests) ; code 1 s'il échoue.")
@click.pass_obj
def worker(settings: Settings, every: int, once: bool) -> None:
    """Moissonne en continu les sources dues, selon leur fréquence.

    Un passage qui échoue est signalé (sortie d'erreur) et le suivant a lieu quand même.
    Tant qu'un fichier de source est invalide, aucune source n'est moissonnée : les sources
    dépendent les unes des autres (un agrégateur ne reprend pas les lieux d'un éditeur
    moissonné directement).
    """
    console = Console(soft_wrap=True)
    while True:
        problem = _worker_pass(settings, console)
        if problem:
            click.echo(
                f"Passage interrompu : {problem}" + ("" if once else f"\nNouvel essai dans {every} s."), err=True
            )
        if once:
            raise SystemExit(1 if problem else 0)
        time.sleep(every)


def _worker_pass(settings: Settings, console: Console) -> str | None:
    """Harvest the due sources once; what went wrong, in French, instead of raising it."""
    try:
        configs = load_configured(settings)
        reports = run_harvests(settings, configs, [c for c in configs if c.enabled], console, due_only=True)
        if not reports:
            click.echo("Aucune source à moissonner.")
        failed = [r.source_id for r in reports if r.status == "failed"]
        if failed:
            return f"moisson en échec : {', '.join(failed)}"
    except click.ClickException as err:
        return err.format_message()
    except Exception as err:  # whatever broke this pass, the next one must happen
        return f"erreur inattendue ({type(err).__name__} : {err})"
    return None
