"""The asset list's prompt search reveals no more than the asset page shows: staff without
`aiassets.view_provenance` find an asset by a word of its prompt only when a rule makes that
prompt public."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from aiassets.models import PromptVisibility, Provenance

LIST = "/admin/aiassets/asset/"


@pytest.fixture
def two_prompts(make_asset):
    hidden = make_asset("approved", published=True, title="Hidden prompt")
    shown = make_asset("approved", published=True, title="Shown prompt")
    Provenance.objects.filter(asset=hidden).update(
        prompt="a zanzibar heron", prompt_visibility=PromptVisibility.PRIVATE
    )
    Provenance.objects.filter(asset=shown).update(
        prompt="a zanzibar lighthouse", prompt_visibility=PromptVisibility.PUBLIC
    )
    return hidden, shown


def found(client, term: str) -> set[str]:
    response = client.get(LIST, {"q": term})
    assert response.status_code == 200
    return {str(a.pk) for a in response.context["cl"].result_list}


def test_viewer_without_provenance_finds_public_prompts_only(client, two_prompts):
    hidden, shown = two_prompts
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_asset"))
    client.force_login(viewer)
    assert found(client, "zanzibar") == {str(shown.pk)}
    assert found(client, "heron") == set(), "a private prompt's word finds nothing"
    assert found(client, str(hidden.pk)) == {str(hidden.pk)}, "an id still finds the asset"


def test_editor_with_provenance_finds_every_prompt(client, two_prompts, editor):
    hidden, shown = two_prompts
    client.force_login(editor)  # the control: the same search can find the private prompt
    assert found(client, "zanzibar") == {str(hidden.pk), str(shown.pk)}
    assert found(client, "heron") == {str(hidden.pk)}
