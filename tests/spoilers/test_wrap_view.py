"""The editor's "Wrap it" endpoint: members only, the text back with the sentence wrapped."""

import pytest

pytestmark = pytest.mark.django_db

URL = "/markdownx/wrap/"


def test_a_member_gets_the_text_back_with_the_sentence_wrapped(member_client):
    response = member_client.post(
        URL,
        {
            "content": "Ruth waits. Miss Emily lives in Littlehampton. Tommy draws.",
            "term": "Littlehampton",
            "scope": "novel:22 film:completion",
            "sentence": "Miss Emily lives in Littlehampton.",
        },
    )

    assert response.status_code == 200
    assert response.json() == {
        "content": "Ruth waits. >![novel:22 film:completion] Miss Emily lives in "
        "Littlehampton.!< Tommy draws."
    }


def test_nothing_to_wrap_says_why(member_client):
    response = member_client.post(
        URL, {"content": "`Littlehampton` in code.", "term": "Littlehampton", "scope": "novel:22"}
    )

    assert response.status_code == 422
    assert "wrap it by hand" in response.json()["error"]


@pytest.mark.parametrize(
    "data",
    [
        {"content": "x", "term": "", "scope": "novel:22"},
        {"content": "x", "term": "x", "scope": ""},
        {"content": "x", "term": "x", "scope": "play:1"},
        {"content": "x" * 200_001, "term": "x", "scope": "novel:22"},
    ],
)
def test_bad_requests_get_a_clear_400(member_client, data):
    response = member_client.post(URL, data)

    assert response.status_code == 400
    assert response.json()["error"]


def test_anonymous_readers_are_sent_to_log_in(client):
    response = client.post(URL, {"content": "x", "term": "x", "scope": "novel:22"})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
