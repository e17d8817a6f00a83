import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from nlmg.spoilers.models import Point, Work
from nlmg.spoilers.progress import SESSION_KEY
from nlmg.spoilers.scope import Catalogue
from tests.spoilers.helpers import elements, text_of

pytestmark = pytest.mark.django_db

User = get_user_model()
PROGRESS_URL = "/progress/"
SPOILER_SAFE = "Spoiler-safe: nothing read yet"
FINISHED = "Finished everything: no spoilers hidden"


def header_summary(response) -> str:
    html = response.content.decode()
    start = html.index('<span class="progress-summary">')
    return text_of(html[start : html.index("</span>", start)])


def session_progress(client):
    return client.session.get(SESSION_KEY)


def test_progress_url_is_the_picker():
    assert reverse("spoilers:progress") == PROGRESS_URL


def test_anonymous_reader_sets_progress_and_returns_to_the_page(client):
    response = client.post(
        PROGRESS_URL, {"novel": "12", "film": "cottages", "drama": "0", "next": "/wiki/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/wiki/"
    assert session_progress(client) == {"novel": 12, "film": 2, "drama": 0}


def test_header_shows_the_new_progress_on_the_next_page(client):
    response = client.post(
        PROGRESS_URL,
        {"novel": "12", "film": "cottages", "drama": "0", "next": "/"},
        follow=True,
    )
    assert response.redirect_chain == [("/", 302)]
    assert header_summary(response) == "Novel: ch. 12 · Film: The Cottages · Drama: not started"
    assert "Progress saved." in response.content.decode()


def test_next_keeps_its_query_string(client):
    response = client.post(PROGRESS_URL, {"novel": "3", "next": "/wiki/?sort=recent&page=2"})
    assert response["Location"] == "/wiki/?sort=recent&page=2"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example",
        "//evil.example/wiki/",
        "http://evil.example/progress/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "https://testserver.evil.example/",
    ],
)
def test_offsite_next_goes_home(client, next_url):
    response = client.post(PROGRESS_URL, {"novel": "3", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert session_progress(client)["novel"] == 3


def test_without_next_the_referer_of_the_same_site_is_used(client):
    response = client.post(
        PROGRESS_URL, {"novel": "3"}, HTTP_REFERER="http://testserver/discussions/"
    )
    assert response["Location"] == "http://testserver/discussions/"


def test_offsite_referer_is_never_followed(client):
    """A post with a foreign Referer (and no Origin) is refused as cross-site, or at least
    not sent back there."""
    response = client.post(PROGRESS_URL, {"novel": "3"}, HTTP_REFERER="https://evil.example/")
    if response.status_code == 403:
        assert session_progress(client) is None
    else:
        assert response["Location"] == "/"


def test_everything_button_reaches_the_end_of_every_work(client):
    response = client.post(PROGRESS_URL, {"everything": "1", "next": "/"}, follow=True)
    assert session_progress(client) == {"novel": 23, "film": 3, "drama": 10}
    assert header_summary(response) == FINISHED


def test_nothing_button_resets_every_work(client):
    client.post(PROGRESS_URL, {"novel": "20", "film": "completion", "drama": "5"})
    response = client.post(PROGRESS_URL, {"nothing": "1", "novel": "20", "next": "/"}, follow=True)
    assert session_progress(client) == {"novel": 0, "film": 0, "drama": 0}
    assert header_summary(response) == SPOILER_SAFE


def test_everything_and_nothing_together_is_refused(client):
    response = client.post(PROGRESS_URL, {"everything": "1", "nothing": "1"})
    assert response.status_code == 400
    assert "Choose either everything or nothing" in response.content.decode()
    assert session_progress(client) is None


@pytest.mark.parametrize(
    "data",
    [
        {"novel": "24"},
        {"novel": "part-2"},
        {"film": "ending"},
        {"drama": "abc"},
        {"drama": "-1"},
        {"novel": "12", "film": "4"},
    ],
)
def test_invalid_values_give_400_with_a_message_and_save_nothing(client, data):
    response = client.post(PROGRESS_URL, data)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert session_progress(client) is None


def test_invalid_values_leave_a_members_progress_alone(client, member):
    member.reading_progress = {"novel": 7, "film": 1, "drama": 0}
    member.save()
    client.force_login(member)
    response = client.post(PROGRESS_URL, {"novel": "99", "film": "cottages"})
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.reading_progress == {"novel": 7, "film": 1, "drama": 0}


def test_get_shows_the_form_with_the_current_progress(client):
    client.post(PROGRESS_URL, {"novel": "12", "film": "cottages", "drama": "4"})
    response = client.get(PROGRESS_URL, {"next": "/wiki/"})
    assert response.status_code == 200
    html = response.content.decode()
    html = html[html.index("<h1>") :]  # the page's form, not the header's picker
    assert [a["name"] for _, a in elements(html, "select")] == ["novel", "film", "drama"]
    selected = [a["value"] for _, a in elements(html, "option") if "selected" in a]
    assert selected[-3:] == ["12", "cottages", "4"]
    assert '<input type="hidden" name="next" value="/wiki/">' in html
    assert "I&#x27;ve finished everything" in html or "I've finished everything" in html


def test_get_form_ignores_an_offsite_next(client):
    response = client.get(PROGRESS_URL, {"next": "https://evil.example/"})
    assert 'value="https://evil.example/"' not in response.content.decode()


def test_progress_accepts_only_get_and_post(client):
    assert client.put(PROGRESS_URL).status_code == 405


def test_home_page_header_holds_the_picker_with_one_select_per_work(client):
    response = client.get("/")
    html = response.content.decode()
    picker = html[html.index('class="progress-picker"') : html.index("</form>", html.index(
        'class="progress-picker"'))]  # fmt: skip
    selects = elements(picker, "select")
    assert [a["name"] for _, a in selects] == ["novel", "film", "drama"]
    assert len(elements(picker, "option")) == (1 + 23) + (1 + 3) + (1 + 10)
    buttons = {a.get("name") for _, a in elements(picker, "button")}
    assert {"everything", "nothing"} <= buttons
    assert 'action="/progress/"' in html
    assert '<input type="hidden" name="next" value="/">' in picker
    assert header_summary(response) == SPOILER_SAFE


def test_picker_offers_a_work_an_admin_adds():
    from django.test import Client

    play = Work.objects.create(key="play", title="The stage play", short_title="play", order=9)
    Point.objects.create(work=play, position=1, key="act-1", label="Act One", short_label="I")
    response = Client().get("/")
    picker = response.content.decode()
    assert [a["name"] for _, a in elements(picker, "select")][-1] == "play"
    assert "play" in Catalogue.current().works


# --- members ----------------------------------------------------------------------------


def log_in(client, member, password):
    response = client.post(
        reverse("accounts:login"), {"username": member.username, "password": password}
    )
    assert response.status_code == 302
    return response


def test_member_progress_is_stored_on_the_profile(member_client, member):
    response = member_client.post(
        PROGRESS_URL, {"novel": "18", "film": "completion", "drama": "2", "next": "/"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.reading_progress == {"novel": 18, "film": 3, "drama": 2}
    assert session_progress(member_client) is None


def test_member_progress_survives_logout_and_login(client, member, password):
    log_in(client, member, password)
    client.post(PROGRESS_URL, {"novel": "18", "film": "completion", "drama": "2"})
    client.post(reverse("accounts:logout"))
    assert header_summary(client.get("/")) == SPOILER_SAFE
    log_in(client, member, password)
    member.refresh_from_db()
    assert member.reading_progress == {"novel": 18, "film": 3, "drama": 2}
    assert header_summary(client.get("/")) == "Novel: ch. 18 · Film: finished · Drama: ep. 2"


def test_logging_in_merges_session_and_profile_progress_furthest_wins(client, member, password):
    member.reading_progress = {"novel": 5, "film": 3, "drama": 0}
    member.save()
    client.post(PROGRESS_URL, {"novel": "12", "film": "hailsham", "drama": "4"})
    log_in(client, member, password)
    member.refresh_from_db()
    assert member.reading_progress == {"novel": 12, "film": 3, "drama": 4}
    assert session_progress(client) is None
    assert header_summary(client.get("/")) == "Novel: ch. 12 · Film: finished · Drama: ep. 4"


def test_logging_in_without_session_progress_keeps_the_profile(client, member, password):
    member.reading_progress = {"novel": 5, "film": 3, "drama": 0}
    member.save()
    log_in(client, member, password)
    member.refresh_from_db()
    assert member.reading_progress == {"novel": 5, "film": 3, "drama": 0}


def test_logging_in_with_a_spoiler_safe_session_keeps_the_profile(client, member, password):
    member.reading_progress = {"novel": 5, "film": 3, "drama": 0}
    member.save()
    client.post(PROGRESS_URL, {"nothing": "1"})
    log_in(client, member, password)
    member.refresh_from_db()
    assert member.reading_progress == {"novel": 5, "film": 3, "drama": 0}


def test_a_member_with_junk_progress_is_spoiler_safe(member_client, member):
    member.reading_progress = {"novel": "lots", "film": 99, "play": 3}
    member.save()
    assert (
        header_summary(member_client.get("/"))
        == "Novel: not started · Film: finished · Drama: not started"
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
    ],
)
def test_a_cross_site_post_saves_nothing(client, headers):
    response = client.post(PROGRESS_URL, {"everything": "1", "next": "/"}, **headers)
    assert response.status_code == 403
    assert session_progress(client) is None
