# SPDX-License-Identifier: Apache-2.0
"""The server profile (compose.yaml, Dockerfile, deploy/nginx.conf) read as the tools read it:
``docker compose config`` (or ``docker-compose config``) where one is installed, and what the
files promise checked against the code: commands that exist, settings the app reads, the
healthcheck's route, no demo data, the secrets required. Images cannot be built here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from directory.cli import main
from directory.config import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"
SECRETS = {"POSTGRES_PASSWORD": "mot-de-passe", "MEILI_MASTER_KEY": "0123456789abcdef01", "DIRECTORY_SECRET_KEY": "s"}
SERVICES = {"postgis", "meilisearch", "migrate", "app", "worker", "proxy"}


def compose_command() -> list[str] | None:
    """``docker compose`` (v2 plugin) or ``docker-compose``, whichever runs ``config`` here."""
    if shutil.which("docker"):
        plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if plugin.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def run_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = compose_command()
    if command is None:
        pytest.skip("ni « docker compose » ni « docker-compose » sur cette machine (scripts/system-deps.sh)")
    base = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [*command, "-f", str(COMPOSE), "config"], capture_output=True, text=True, env={**base, **env}, cwd=ROOT
    )


def test_compose_config_accepts_the_file() -> None:
    done = run_config(SECRETS)
    assert done.returncode == 0, done.stderr
    resolved = yaml.safe_load(done.stdout)
    assert set(resolved["services"]) == SERVICES
    app = resolved["services"]["app"]
    assert app["environment"]["DIRECTORY_SECRET_KEY"] == "s"
    assert app["environment"]["DATABASE_URL"] == "postgresql://directory:mot-de-passe@postgis/directory"


def test_compose_config_refuses_to_run_without_the_secrets() -> None:
    """No known default key: a server started with one would sign sessions anybody can forge."""
    done = run_config({})
    assert done.returncode != 0
    assert any(f"set {name}" in done.stderr for name in SECRETS), done.stderr


def services() -> dict[str, Any]:
    """The services as compose reads them (PyYAML resolves the ``<<`` merge keys too)."""
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def directory_command(words: list[str]) -> click.Command:
    """The click command ``words`` names (``["directory", "db", "upgrade"]``), failing if there is none."""
    assert words[0] == "directory", words
    command: click.Command = main
    for word in words[1:]:
        if word.startswith("-"):
            break
        assert isinstance(command, click.Group) and word in command.commands, f"no command {words}"
        command = command.commands[word]
    return command


def test_every_service_of_ours_runs_a_command_that_exists() -> None:
    ours = {name: s for name, s in services().items() if "build" in s}
    assert set(ours) == {"migrate", "app", "worker"}
    assert [directory_command(s["command"]).name for s in ours.values()] == ["upgrade", "serve", "worker"]
    for name in ("app", "worker"):
        assert ours[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_environment_names_settings_the_app_reads() -> None:
    known = set(Settings().to_env())
    for name, service in services().items():
        if "build" in service:
            assert set(service["environment"]) <= known, name


def test_healthchecks_and_the_app_health_route() -> None:
    from directory.web.app import routes

    every = services()
    assert {name for name, s in every.items() if "healthcheck" in s} == {"postgis", "meilisearch", "app"}
    (path,) = re.findall(r"http://127\.0\.0\.1:8000(/[\w/]+)", " ".join(every["app"]["healthcheck"]["test"]))
    assert path in {getattr(route, "path", None) for route in routes}
    assert every["app"]["command"][-2:] == ["--port", "8000"]


def test_no_demo_data_and_sources_mounted_read_only() -> None:
    text = COMPOSE.read_text(encoding="utf-8") + (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "demo" not in re.sub(r"#.*", "", text)  # comments may point to `make demo`
    for name in ("migrate", "app", "worker"):
        service = services()[name]
        assert "./sources:/sources:ro" in service["volumes"]
        assert service["environment"]["DIRECTORY_SOURCES_DIR"] == "/sources"


def test_only_the_proxy_is_published_and_it_reaches_the_app() -> None:
    every = services()
    assert [name for name, s in every.items() if "ports" in s] == ["proxy"]
    (mount,) = every["proxy"]["volumes"]
    conf = ROOT / mount.split(":")[0]
    assert re.search(r"upstream app \{\s*server app:8000;", conf.read_text(encoding="utf-8"))


def test_the_image_runs_as_a_user_and_copies_what_exists() -> None:
    lines = [line.split() for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines() if line.strip()]
    users = [words[1] for words in lines if words[0] == "USER"]
    assert users and users[-1] not in ("root", "0")
    copied = [path for words in lines if words[0] == "COPY" for path in words[1:-1]]
    assert copied and all((ROOT / path).exists() for path in copied)
    allowed = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line[:1] == "!"}
    assert set(copied) <= allowed  # the build context keeps what the image copies
    (cmd,) = [words for words in lines if words[0] == "CMD"]
    assert directory_command([w.strip('[",]') for w in cmd[1:]]).name == "serve"
