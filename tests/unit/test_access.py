"""Who may write: a write key, logged-in users, or anyone on loopback when nothing is set."""

import pytest

from ui.access import Access
from ui.app import ChatService
from ui.settings import Settings, SettingsError


class Request:  # what Gradio hands a handler: the logged-in user's name, if any
    def __init__(self, username=None):
        self.username = username


def access(**values) -> Access:
    return Access.from_settings(Settings.load(values, env={}))


def test_nothing_set_is_open_on_loopback_only():
    open_ = access()
    assert open_.may_write("", None)
    open_.check_server("127.0.0.1", allow_open=False)
    open_.check_server("localhost", allow_open=False)
    with pytest.raises(SettingsError, match="refusing to serve on 0.0.0.0 without credentials"):
        open_.check_server("0.0.0.0", allow_open=False)
    open_.check_server("0.0.0.0", allow_open=True)  # the operator said so


def test_write_key_and_users():
    a = access(write_token="s3cret", users="ana:pw1,ben:pw2")
    assert not a.may_write("", None) and not a.may_write("wrong", None)
    assert a.may_write("s3cret", None) and a.may_write("", "ana")
    assert not a.may_write("", "mallory")
    assert a.login("ben", "pw2") and not a.login("ben", "pw1") and not a.login("eve", "pw2")
    a.check_server("0.0.0.0", allow_open=False)


def test_bad_users_setting_is_one_line():
    with pytest.raises(SettingsError, match="name:password"):
        access(users="justaname")


def test_secrets_are_never_shown():
    s = Settings.load({"write_token": "s3cret", "users": "ana:pw1"}, env={})
    shown = repr(s) + str(s.describe()) + repr(Access.from_settings(s))
    assert "s3cret" not in shown and "pw1" not in shown


def test_writes_without_the_key_change_nothing(settings, make_container, tmp_path):
    container = make_container(Settings.load({"data_dir": settings.data_dir, "write_token": "k"}))
    service = ChatService(container, Access.from_settings(container.settings))
    refused = service.add_text("T", "Some text about ferries.", "", "", "")
    assert refused.startswith("failed") and "write key" in refused
    assert service.library() == []
    assert service.add_text("T", "Some text about ferries.", "", "", "", "k").startswith("added")
    article_id = service.library()[0][0]
    assert "write key" in service.delete(article_id, True, "nope")
    assert "write key" in service.add_url("https://example.org/x", "", "", "")
    upload = tmp_path / "a.txt"
    upload.write_text("Title\nBody")
    assert "write key" in service.add_files([str(upload)], "", "", "")
    assert service.delete(article_id, True, "", Request("ana")).startswith("failed")
    assert service.delete(article_id, True, "k") == "deleted 1"


def _guarded(names):
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from ui.access import HostGuard

    async def ok(request):
        return PlainTextResponse("ran")

    app = Starlette(
        routes=[Route("/gradio_api/call/add", ok, methods=["GET", "POST"])],
        middleware=[Middleware(HostGuard, names=names)],
    )
    return TestClient(app)


def test_a_foreign_host_name_is_refused_before_the_app_sees_it():
    client = _guarded(["127.0.0.1"])
    for host in ("attacker.example", "attacker.example:7860", "localhost.attacker.example"):
        r = client.post("/gradio_api/call/add", headers={"Host": host})
        assert r.status_code == 400 and "ALLOWED_HOSTS" in r.text and r.text != "ran", host
    for host in ("127.0.0.1:7860", "localhost:7860", "LOCALHOST.", "[::1]:7860", "10.0.0.5"):
        assert client.post("/gradio_api/call/add", headers={"Host": host}).text == "ran", host


def test_the_operators_names_are_allowed_and_star_allows_any():
    named = _guarded(["0.0.0.0", "news.example.org", " "])
    assert named.get("/gradio_api/call/add", headers={"Host": "news.example.org"}).text == "ran"
    assert named.get("/gradio_api/call/add", headers={"Host": "other.org"}).status_code == 400
    anyone = _guarded(["*"])
    assert anyone.get("/gradio_api/call/add", headers={"Host": "other.org"}).text == "ran"


def test_a_write_from_a_page_of_another_site_is_refused():
    client = _guarded(["127.0.0.1"])
    foreign = {"Host": "127.0.0.1:7860", "Origin": "https://attacker.example"}
    r = client.post("/gradio_api/call/add", headers=foreign)
    assert r.status_code == 403 and "another site" in r.text
    assert client.get("/gradio_api/call/add", headers=foreign).text == "ran"  # reads are not
    own = {"Host": "127.0.0.1:7860", "Origin": "http://127.0.0.1:7860"}
    assert client.post("/gradio_api/call/add", headers=own).text == "ran"
    sandboxed = {"Host": "127.0.0.1:7860", "Origin": "null"}
    assert client.post("/gradio_api/call/add", headers=sandboxed).status_code == 403


def test_serve_pins_no_share_and_guards_the_host(container, monkeypatch):
    import gradio as gr

    from ui.access import HostGuard, UploadGuard
    from ui.app import serve

    monkeypatch.setenv("GRADIO_SHARE", "True")
    launched = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: launched.update(kw))
    serve(container, "127.0.0.1", 7860)
    assert launched["share"] is False
    guards = {m.cls: m.kwargs for m in launched["app_kwargs"]["middleware"]}
    assert list(guards)[0] is HostGuard  # the outermost: before anything answers
    assert "127.0.0.1" in guards[HostGuard]["names"]
    assert guards[UploadGuard]["max_files"] == 20


def _uploads(tmp_path, access, max_files=3, max_bytes=10_000, quota=50_000):
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from ui.access import UploadGuard

    async def upload(request):
        form = await request.form()
        return PlainTextResponse(str(len(form.getlist("files"))))

    guard = Middleware(
        UploadGuard,
        access=access,
        folder=tmp_path,
        max_files=max_files,
        max_bytes=max_bytes,
        quota_bytes=quota,
    )
    app = Starlette(
        routes=[Route("/gradio_api/upload", upload, methods=["POST"])], middleware=[guard]
    )
    return TestClient(app, raise_server_exceptions=False)


def _files(n, size=10):
    return [("files", (f"a{i}.txt", b"x" * size, "text/plain")) for i in range(n)]


def test_an_upload_needs_the_write_key_when_one_is_set(tmp_path):
    client = _uploads(tmp_path, Access({}, "s3cret"))
    assert client.post("/gradio_api/upload", files=_files(1)).status_code == 401
    wrong = {"X-Newsdesk-Key": "guess"}
    assert client.post("/gradio_api/upload", files=_files(1), headers=wrong).status_code == 401
    right = client.post("/gradio_api/upload", files=_files(2), headers={"X-Newsdesk-Key": "s3cret"})
    assert right.status_code == 200 and right.text == "2"
    client.cookies.set("newsdesk_key", "s3cret")  # the page's cookie, set from its key field
    assert client.post("/gradio_api/upload", files=_files(1)).text == "1"
    # with logins, Gradio's own route demands one, and logged-in users may write
    logins = _uploads(tmp_path, Access({"ann": "pw"}, "s3cret"))
    assert logins.post("/gradio_api/upload", files=_files(1)).text == "1"


def test_an_upload_is_bounded_in_files_bytes_and_what_waits_on_disk(tmp_path):
    client = _uploads(tmp_path / "uploads", Access())
    assert client.post("/gradio_api/upload", files=_files(3)).text == "3"
    assert client.post("/gradio_api/upload", files=_files(4)).status_code != 200
    big = client.post("/gradio_api/upload", files=_files(1, size=20_000))
    assert big.status_code == 413 and "at most 0.01 MB" in big.text
    unsized = client.post("/gradio_api/upload", content=(b"x" for _ in range(3)))
    assert unsized.status_code == 411
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "waiting.txt").write_bytes(b"x" * 49_990)
    full = client.post("/gradio_api/upload", files=_files(1))
    assert full.status_code == 507 and "too many uploads" in full.text


def test_failed_logins_back_off_and_made_up_names_cannot_fill_memory():
    from ui.access import LoginThrottle

    now = [1000.0]
    throttle = LoginThrottle(free=3, free_all=10, longest=60, names=50, clock=lambda: now[0])
    access = Access({"ann": "right"}, throttle=throttle)
    for _ in range(3):
        assert not access.login("ann", "guess")
    assert not access.login("ann", "guess")  # the fourth failure: now a wait of 2 s
    assert throttle.wait("ann") == 2.0
    assert not access.login("ann", "right")  # refused unchecked while waiting
    now[0] += 2.0
    assert access.login("ann", "right") and throttle.wait("ann") == 0  # success clears
    for i in range(200):  # spraying: one password over many names
        access.login(f"user{i}", "guess")
    assert throttle.wait("someone-new") > 0  # every name waits now
    now[0] += 61
    assert access.login("ann", "right")  # the longest wait is bounded
    many = LoginThrottle(free_all=10**6, names=50)
    for i in range(200):
        many.failed(f"user{i}")
    assert len(many._failed) == 50 and many.wait("user199") == 0
