"""The rules pages' previews and locks that belong to later stages: the decision letters as PDF
with the community's own letter texts (no template file per community), the application form as
applicants will see it, and the criteria locked once scoring has begun (until the round's final
decision)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from komite import rules as committee_rules
from komite.models import Assessment, Membership, Score
from soknad.models import Application
from tilskot.models import ApplicationQuestion, Criterion, Scheme
from tilskot.rules import criteria_locked

from .factories import ApplicationFactory, UserFactory
from .test_decision import recommended_round
from .utils import pdf_text

pytestmark = pytest.mark.django_db


def preview(client, community: str, kind: str):
    return client.get(
        reverse("komite:letter_preview_pdf", kwargs={"community": community, "kind": kind})
    )


def test_the_letter_preview_prints_the_communitys_own_words(world, client):
    community = world.ostfold
    community.letter_greeting = "Hilsen fra sekretariatet"
    community.letter_grant_text = "Tilskuddet skal nevnes i all omtale av prosjektet."
    community.letter_refusal_text = "Se også Helsedirektoratets ordninger."
    community.letter_contact_text = "Ring oss på 69 00 00 00."
    community.appeal_body = "Helse Sør-Øst RHF"
    community.save()
    client.force_login(world.ola)

    page = client.get(reverse("komite:letter_preview", kwargs={"community": "ostfold"}))
    assert page.status_code == 200
    assert "Helse Sør-Øst RHF" in page.content.decode()

    grant = preview(client, "ostfold", "innvilget")
    assert grant["Content-Type"] == "application/pdf"
    text = pdf_text(grant.content)[0]
    assert "Hilsen fra sekretariatet" in text
    assert "Tilskuddet skal nevnes i all omtale av prosjektet." in text
    assert "Ring oss på 69 00 00 00." in text
    assert "Helse Sør-Øst RHF" in text
    assert "Se også Helsedirektoratets ordninger." not in text  # the refusal's own paragraph
    assert "Med vennlig hilsen" not in text  # the greeting is the community's

    refusal = pdf_text(preview(client, "ostfold", "avslag").content)[0]
    assert "Se også Helsedirektoratets ordninger." in refusal
    assert "Tilskuddet skal nevnes" not in refusal
    with scope(community=community):
        assert not Application.objects.exists()  # the example is never saved


def test_the_letter_preview_is_the_secretariats(world, client):
    assert preview(client, "ostfold", "innvilget").status_code == 302  # logged out: log in
    client.force_login(world.kari)  # an applicant in Østfold
    assert preview(client, "ostfold", "innvilget").status_code == 403
    client.force_login(world.sigrid)  # Bergen's secretariat
    assert preview(client, "ostfold", "innvilget").status_code == 403
    client.force_login(world.ola)
    assert preview(client, "ostfold", "noko-anna").status_code == 404


def test_the_form_preview_shows_every_step_from_the_schemes_data(world, client):
    with scope(community=world.ostfold):
        scheme = Scheme.objects.get()
        scheme.requires_anchoring = True
        scheme.save()
        ApplicationQuestion.objects.create(
            scheme=scheme, key="andre-midler", text="Hvilke andre midler har dere søkt?", order=1
        )
        criterion = Criterion.objects.filter(scheme=scheme).first()
    client.force_login(world.ola)
    response = client.get(reverse("soknad:form_preview", kwargs={"community": "ostfold"}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hvilke andre midler har dere søkt?" in page
    assert criterion.title in page
    assert 'name="anchoring_name"' in page  # the scheme asks for anchoring
    assert 'name="budget-TOTAL_FORMS"' in page
    steps = page.split('id="step-basics"', 1)[1].split("</main>", 1)[0]
    assert "<form" not in steps  # nothing to send
    with scope(community=world.ostfold):
        assert not Application.objects.exists()
    client.force_login(world.kari)
    assert (
        client.get(reverse("soknad:form_preview", kwargs={"community": "ostfold"})).status_code
        == 403
    )


def test_criteria_lock_once_scoring_has_begun_until_the_final_decision(world):
    community, round_ = world.ostfold, world.ostfold_round
    with scope(community=community):
        scheme = round_.scheme
        assert criteria_locked(scheme) == ""
        criterion = Criterion.objects.filter(scheme=scheme).first()
        application = ApplicationFactory(round=round_, owner=world.kari)
        member = Membership.objects.create(
            round=round_, user=UserFactory(email="m@tilskot.test"), appointed_by=world.ola
        )
        assessment = Assessment.objects.create(
            application=application, member=member, submitted_at=timezone.now()
        )
        Score.objects.create(assessment=assessment, criterion=criterion, value=3)
        reason = criteria_locked(scheme)
        assert round_.name in reason
        assert reason == committee_rules.criteria_lock(scheme)


def test_criteria_unlock_after_the_rounds_final_decision(world):
    """The decided round's scores stay read on their scale in its letters and overview; a new
    round may then be scored on changed criteria."""
    from komite import decisions

    from .test_decision import items

    apps = recommended_round(world, world.ostfold, world.ostfold_round)
    with scope(community=world.ostfold):
        criterion = Criterion.objects.filter(scheme=world.ostfold_round.scheme).first()
        member = Membership.objects.create(
            round=world.ostfold_round,
            user=UserFactory(email="m@tilskot.test"),
            appointed_by=world.ola,
        )
        assessment = Assessment.objects.create(
            application=apps["Alfa"], member=member, submitted_at=timezone.now()
        )
        Score.objects.create(assessment=assessment, criterion=criterion, value=4)
        assert criteria_locked(world.ostfold_round.scheme)
        decisions.decision_save(
            round_=world.ostfold_round,
            stage=1,
            by=world.ola,
            meeting="SSU 1/2027",
            case_reference="1/27",
            decided_on=timezone.localdate(),
            items=items(apps),
            record=True,
        )
        assert criteria_locked(world.ostfold_round.scheme) == ""


def test_a_round_whose_recommendation_is_sent_is_not_reopened(world, client):
    """Moving the deadline later would let in applications that nothing decides any more: the
    round's page refuses it, naming why, and keeps what was typed; an earlier deadline is
    still taken."""
    from .test_rules_pages import read_form

    round_ = world.ostfold_round
    recommended_round(world, world.ostfold, round_)  # sent, after the deadline
    client.force_login(world.ola)
    url = reverse("rules_round", kwargs={"community": "ostfold", "round": round_.pk})
    data = read_form(client.get(url).text)
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    data["closes_at_0"] = [later]
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert f'value="{later}"' in page  # what was typed is kept
    round_.refresh_from_db()
    assert round_.closes_at < timezone.now()
