# SPDX-License-Identifier: Apache-2.0
"""The BAN geocoder's HTTP client lives as long as the command that makes it: ``directory harvest``
and ``directory import`` close it when they end (a client left open holds its sockets until the
process ends: the worker runs for days)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from directory.cli import main
from directory.harvest import BanGeocoder

from .fake_ban import FakeBan
from .test_run import write_csv
from .test_run_geocoding import reims


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[httpx.Client]]:
    """Every ``httpx.Client`` made while the test runs (the real class, recorded as it is built)."""
    clients: list[httpx.Client] = []
    real_init = httpx.Client.__init__

    def recording(self: httpx.Client, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        clients.append(self)

    monkeypatch.setattr(httpx.Client, "__init__", recording)
    yield clients


def _env(tmp_path: Path, ban: FakeBan) -> dict[str, str]:
    return {
        "DIRECTORY_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "DIRECTORY_SOURCES_DIR": str(tmp_path / "sources"),
        "DIRECTORY_GEOCODER_URL": ban.base_url,
        "NO_PROXY": "127.0.0.1",  # the geocoder's own client reads the environment
    }


def _source(tmp_path: Path) -> Path:
    """A source reading a local file with one venue to geocode (in the fake BAN's table)."""
    data = tmp_path / "lieux.csv"
    write_csv(data, [reims()])
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "essai.toml").write_text(
        "\n".join(
            [
                'id = "essai"',
                'name = "Essai"',
                'publisher = "Essai"',
                'kind = "network"',
                f'path = "{data}"',
                'format = "national-csv"',
                'licence = "etalab-2.0"',
                "trust = 60",
                'interval = "1d"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return data


@pytest.mark.parametrize("command", ["harvest", "import"])
def test_the_command_closes_the_geocoder_it_made(
    tmp_path: Path, ban: FakeBan, opened: list[httpx.Client], command: str
) -> None:
    data = _source(tmp_path)
    args = ["harvest", "essai"] if command == "harvest" else ["import", str(data)]
    result = CliRunner().invoke(main, args, env=_env(tmp_path, ban), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 géocodés" in result.output  # the geocoder was used, through a client of its own
    assert ban.requests >= 1 and opened
    assert [c for c in opened if not c.is_closed] == []


def test_a_geocoder_closes_the_client_it_opened_not_one_it_was_given(places) -> None:
    with BanGeocoder("http://ban.invalid", cache=None, places=places) as own:
        assert not own.client.is_closed
    assert own.client.is_closed
    with httpx.Client() as given:
        with BanGeocoder("http://ban.invalid", client=given, cache=None, places=places):
            pass
        assert not given.is_closed  # its maker's to close
