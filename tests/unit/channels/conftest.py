from __future__ import annotations

from typing import Iterator

import pytest

from bot.settings import Settings
from tests.unit.channels.harness import ChannelServer, StubBot


@pytest.fixture
def bot() -> StubBot:
    return StubBot()


@pytest.fixture
def server(settings: Settings, bot: StubBot) -> Iterator[ChannelServer]:
    running = ChannelServer(settings, bot).start()
    try:
        yield running
    finally:
        running.stop()
