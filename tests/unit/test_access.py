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
