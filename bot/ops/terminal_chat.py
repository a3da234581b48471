"""``make shell``: chat in the terminal through the REST channel.

Uses a running stack if there is one; otherwise starts one in the background
(logs in ``var/logs``) and stops it when you leave.
"""

from __future__ import annotations

import secrets

import httpx

from bot.ops.supervisor import Supervisor, child_environment, healthy, stack_specs
from bot.settings import Settings


def _print_reply(messages: list) -> None:
    for message in messages:
        if message.get("text"):
            print(f"bot> {message['text']}")
        for number, button in enumerate(message.get("buttons") or [], start=1):
            print(f"     {number}. {button.get('title')}")


def chat(settings: Settings) -> int:
    url = f"http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook"
    supervisor = None
    if not healthy(f"http://127.0.0.1:{settings.rasa_port}/"):
        print("Starting Privacy Desk in the background (logs in var/logs) ...")
        supervisor = Supervisor(stack_specs(settings), child_environment(settings), settings.var_dir / "logs")
        problem = supervisor.check_ports()
        if problem:
            print(problem)
            return 1
        supervisor.start_all()
    sender = f"shell-{secrets.token_hex(8)}"
    last_buttons: list = []
    print("Type a message (Ctrl-D or /quit to leave).")
    try:
        with httpx.Client(timeout=30.0) as client:
            while True:
                try:
                    text = input("you> ")
                except EOFError:
                    print()
                    break
                if text.strip() in {"/quit", "/exit"}:
                    break
                if text.strip().isdigit() and 1 <= int(text) <= len(last_buttons):
                    text = str(last_buttons[int(text) - 1].get("payload") or last_buttons[int(text) - 1].get("title"))
                try:
                    reply = client.post(url, json={"sender": sender, "message": text})
                    reply.raise_for_status()
                except httpx.HTTPError as exc:
                    print(f"(could not reach the assistant: {type(exc).__name__})")
                    continue
                messages = reply.json()
                last_buttons = [b for m in messages for b in (m.get("buttons") or [])]
                _print_reply(messages)
    finally:
        if supervisor is not None:
            supervisor.stop_all()
    return 0
