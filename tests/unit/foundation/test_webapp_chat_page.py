from starlette.testclient import TestClient

from bot.webapp import create_app


def test_chat_page_points_the_browser_at_rasa_and_states_retention(settings) -> None:
    client = TestClient(create_app(settings))
    page = client.get("/", headers={"host": "chat.example:8000"})
    assert page.status_code == 200
    assert f'data-socket-url="http://chat.example:{settings.rasa_port}"' in page.text
    assert f"up to {settings.conversation_retention_days} days" in page.text


def test_every_asset_is_served_locally_no_cdn(settings) -> None:
    client = TestClient(create_app(settings))
    page = client.get("/").text
    assert "https://" not in page and "//cdn" not in page
    for asset in ("/static/vendor/socket.io.min.js", "/static/chat.js", "/static/chat.css"):
        assert client.get(asset).status_code == 200


def test_pages_forbid_inline_script_and_framing(settings) -> None:
    response = TestClient(create_app(settings)).get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_health_check_answers(settings) -> None:
    assert TestClient(create_app(settings)).get("/healthz").json() == {"status": "ok"}
