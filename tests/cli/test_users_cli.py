# SPDX-License-Identifier: Apache-2.0
"""``directory users``: accounts made from the shell, their one-time links printed or sent by e-mail
through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from directory.curation import choose_password
from directory.store import open_store, utcnow

LINK = re.compile(r"https?://\S+/gestion/mot-de-passe/(\S+)")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox():
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def test_accounts_are_made_listed_reset_and_disabled(run, tmp_path):
    made = run(
        "users",
        "add",
        "alice",
        "--role",
        "animateur",
        "--nom",
        "Alice Martin",
        "--territoire",
        "69383",
        "--territoire",
        "epci:200046977",
    )
    assert made.exit_code == 0, made.output
    assert "Lyon 3e Arrondissement (commune 69383)" in made.output
    token = LINK.search(made.output).group(1)
    assert made.output.count("http://127.0.0.1:8000/gestion/mot-de-passe/") == 1
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}")
    assert store.accounts.get("alice").territories == ("commune:69383", "epci:200046977")
    assert "en attente du mot de passe" in run("users", "list").output

    choose_password(store, token, "une phrase de passe assez longue", at=utcnow())
    listed = run("users", "list").output
    assert "alice — Alice Martin — animateur de réseau — actif — jamais connecté" in listed

    again = run("users", "reset", "alice")
    assert again.exit_code == 0 and LINK.search(again.output).group(1) != token
    assert run("users", "disable", "alice").exit_code == 0
    assert "désactivé" in run("users", "list").output
    refused = run("users", "reset", "alice")
    assert refused.exit_code == 1 and "réactivez-le d'abord" in refused.output
    assert run("users", "enable", "alice").exit_code == 0
    actions = [e.action for e in store.accounts.events("alice")]
    assert actions == ["enable", "disable", "reset", "password", "reset", "create"]
    assert all(
        e.actor.startswith("ligne de commande") for e in store.accounts.events("alice") if e.action != "password"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (("users", "add", "Alice", "--role", "admin"), "minuscules sans accent"),
        (("users", "add", "alice", "--role", "animateur"), "au moins un territoire"),
        (("users", "add", "alice", "--role", "animateur", "--territoire", "99999"), "aucune commune"),
        (("users", "add", "alice", "--role", "animateur", "--territoire", "123456789"), "aucune intercommunalité"),
        (("users", "add", "alice", "--role", "structure", "--lieu", "nexistepas"), "Lieu(x) inconnu(s) : nexistepas"),
        (("users", "add", "alice", "--role", "admin", "--courriel", "pas-une-adresse"), "n'est pas une adresse"),
        (("users", "reset", "bob"), "aucun compte"),
        (("users", "disable", "bob"), "aucun compte"),
    ],
)
def test_mistakes_are_refused_in_french(run, args, message):
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output


def test_a_login_is_taken_once(run):
    assert run("users", "add", "alice", "--role", "admin").exit_code == 0
    taken = run("users", "add", "alice", "--role", "admin")
    assert taken.exit_code == 1 and "déjà pris" in taken.output


def test_with_smtp_the_link_goes_to_the_address(run, inbox, monkeypatch, tmp_path):
    box, port = inbox
    monkeypatch.setenv("DIRECTORY_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("DIRECTORY_MAIL_FROM", "annuaire@exemple.fr")
    monkeypatch.setenv("DIRECTORY_PUBLIC_URL", "https://lieux.exemple.fr")
    made = run("users", "add", "alice", "--role", "admin", "--nom", "Alice", "--courriel", "alice@exemple.fr")
    assert made.exit_code == 0, made.output
    assert "envoyé à alice@exemple.fr" in made.output and "/gestion/mot-de-passe/" not in made.output
    (message,) = box.messages
    assert (message["To"], message["From"]) == ("alice@exemple.fr", "annuaire@exemple.fr")
    body = message.get_payload(decode=True).decode()
    assert "Bonjour Alice" in body and "identifiant : alice" in body
    token = re.search(r"https://lieux\.exemple\.fr/gestion/mot-de-passe/(\S+)", body).group(1)
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}")
    assert store.accounts.by_token(token, utcnow()) is not None
    assert store.accounts.by_token(token, utcnow() + timedelta(hours=73)) is None  # 72 hours


def test_when_sending_fails_the_link_is_printed_and_nothing_is_lost(run, monkeypatch):
    monkeypatch.setenv("DIRECTORY_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nobody listens there
    made = run("users", "add", "alice", "--role", "admin", "--courriel", "alice@exemple.fr")
    assert made.exit_code == 0
    assert "n'a pas pu être envoyé" in made.output
    assert LINK.search(made.output)


def test_a_decision_from_the_shell_names_a_real_account(run):
    for args in (
        ("review", "same", "a:1", "b:2", "--par", "Camille"),
        ("lieu", "rendre", "l0000000000", "nom", "--par", "x"),
    ):
        refused = run(*args)
        assert refused.exit_code == 1 and "n'est pas un compte de l'espace de gestion" in refused.output
    assert run("users", "add", "camille", "--role", "admin").exit_code == 0
    assert run("users", "disable", "camille").exit_code == 0
    assert "est désactivé" in run("review", "same", "a:1", "b:2", "--par", "camille").output
