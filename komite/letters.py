"""Decision letters (vedtaksbrev): rendered with WeasyPrint from ``komite/letter.html``, in
the community's language, and kept exactly as issued.

Every community's letter is the same template; what differs between them is community data that
its secretariat sets on the rules pages: the closing greeting, the contact paragraph, who hears
an appeal, extra paragraphs for grants (Bergen's on audit) and refusals, the letterhead. What a
letter says besides comes from data too: the decision, the scheme's
criteria, the payment route (``utbetaling.rules``), the report's due date
(``Scheme.report_due_months``), the bodies and the contact address. The notice of the right to
appeal follows forvaltningsloven §§ 27–29, for grants and refusals alike.

It is laid out as a Norwegian public body writes a letter: the community's letterhead (logo,
postal address, organisation number, e-mail), the recipient's address on the left and the
references on the right (ours: the application's number; the applicant's own where they gave
one), the caseworker (who issued it), "Side 1 av 2" on every page, a named signatory or the
note that it is approved electronically (the community's data says which), copies to the
partners. File names keep æ, ø and å, in the ZIP and in every download.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import mimetypes
import zipfile
from collections.abc import Callable
from decimal import Decimal
from tempfile import TemporaryFile

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.text import slugify

from soknad.pdf import stylesheet
from soknad.services import applicant_users
from tilskot.dates import add_months
from tilskot.messaging import notify
from tilskot.models import Community, Notification, User
from tilskot.tasks import community_task

from .models import DecisionItem, DecisionLetter, LetterBatch

log = logging.getLogger(__name__)

APPEAL_WEEKS = 3  # forvaltningsloven § 29: three weeks from the letter's receipt

# Later stages add to a letter what they decide (the payment stage: how the money is paid,
# ``route``): each registers ``provide(application) -> dict`` for the letter's template.
LETTER_CONTEXT: list[Callable[[object], dict]] = []


def register_letter_context(provide: Callable[[object], dict]):
    if provide not in LETTER_CONTEXT:
        LETTER_CONTEXT.append(provide)
    return provide


def report_due(item: DecisionItem) -> dt.date | None:
    if not item.granted or item.period_end is None:
        return None
    return add_months(item.period_end, item.application.round.scheme.report_due_months)


def appeal_deadline(issued_on: dt.date) -> dt.date:
    return issued_on + dt.timedelta(weeks=APPEAL_WEEKS)


def letter_items(round_):
    """The final decision's items with everything a letter shows, in the decision's order."""
    from .decisions import final_decision

    decision = final_decision(round_)
    if decision is None:
        return []
    return list(
        DecisionItem.objects.filter(decision=decision)
        .select_related(
            "decision__round__scheme__community",
            "application__owner",
            "application__responsible_organisation",
            "application__round__scheme",
        )
        .prefetch_related("application__partners")
    )


def logo_data_uri(community: Community) -> str:
    """The community's logo inlined in the letter (from any storage, no URL to fetch), or ""
    when it has none or its file is gone: the letterhead then shows the name alone."""
    if not community.logo:
        return ""
    try:
        with community.logo.storage.open(community.logo.name, "rb") as file:
            data = file.read()
    except OSError:
        log.warning("The logo of %s is missing: %s", community.slug, community.logo.name)
        return ""
    kind = mimetypes.guess_type(community.logo.name)[0] or "image/png"
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def caseworker(community: Community, by: User | None) -> dict:
    """Who handles the case: the secretariat member who issues the letter, with their e-mail;
    before anyone has, the community's contact address."""
    if by is None:
        return {"name": "", "email": community.contact_email}
    return {"name": by.get_full_name(), "email": by.email}


def meeting_label(decision) -> str:
    """The meeting as a name and a full date that cannot be read as one: "Demomøte 1,
    2. november 2026" (in the active language)."""
    when = formats.date_format(decision.decided_on, "DATE_FORMAT") if decision.decided_on else ""
    return ", ".join(part for part in (decision.meeting, when) if part)


def _context(
    item: DecisionItem, issued_on: dt.date, by: User | None, *, partners: list | None = None
) -> dict:
    """``partners``: given for the preview, whose application is never saved."""
    decision = item.decision
    round_ = decision.round
    community = round_.scheme.community
    application = item.application
    responsible = application.responsible_organisation
    return {
        "community": community,
        "logo": logo_data_uri(community),
        "scheme": round_.scheme,
        "round": round_,
        "decision": decision,
        "meeting": meeting_label(decision),
        "item": item,
        "application": application,
        "recipient": responsible,
        # The application's number, as on its case page.
        "our_reference": application.pk or PREVIEW_NUMBER,
        "caseworker": caseworker(community, by),
        # As on the case page: the responsible organisation is not repeated as a partner.
        "partners": [
            p
            for p in (application.partners.all() if partners is None else partners)
            if p != responsible
        ],
        "criteria": list(round_.scheme.criteria.all()),
        "report_due": report_due(item),
        "issued_on": issued_on,
        "appeal_weeks": APPEAL_WEEKS,
        "appeal_deadline": appeal_deadline(issued_on),
        "in_full": item.granted and item.amount is not None and not item.reason,
        **{k: v for provide in LETTER_CONTEXT for k, v in provide(application).items()},
    }


def letter_pdf(
    item: DecisionItem, *, issued_on: dt.date, by: User | None = None, partners: list | None = None
) -> bytes:
    """The letter as PDF; ``by`` is its caseworker, who issues it."""
    from weasyprint import HTML

    community = item.decision.round.scheme.community
    with translation.override(community.language):
        html = render_to_string(
            "komite/letter.html", _context(item, issued_on, by, partners=partners)
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[stylesheet()], pdf_tags=True
    )


PREVIEW_NUMBER = 1234


def preview_pdf(community: Community, *, granted: bool, by: User) -> bytes:
    """A grant or a refusal as the community's letters read now, for its secretariat on the
    rules pages: the letter texts, bodies, letterhead and payment route are the community's
    own; the application, amounts and meeting are an example, and nothing is saved. Call inside
    the community's scope; a community with no scheme yet raises ``Scheme.DoesNotExist``."""
    from soknad.models import Application
    from tilskot.models import Organisation, Round, Scheme

    from .models import Decision

    scheme = Scheme.objects.select_related("community").order_by("pk").first()
    if scheme is None:
        raise Scheme.DoesNotExist
    organisations = list(Organisation.objects.order_by("kind", "name")[:3])
    with translation.override(community.language):
        round_ = scheme.rounds.order_by("-closes_at").first() or Round(
            scheme=scheme, name=translation.gettext("Example round")
        )
        application = Application(
            round=round_,
            owner=by,
            title=translation.gettext("Example: a joint emergency team"),
            responsible_organisation=organisations[0] if organisations else None,
        )
        today = timezone.localdate()
        decision = Decision(
            round=round_,
            stage=len(community.decision_bodies),
            body=community.final_decision_body,
            meeting=translation.gettext("Example meeting"),
            case_reference="1/26",
            decided_on=today,
        )
        item = DecisionItem(
            decision=decision,
            application=application,
            order=1,
            granted=granted,
            amount=Decimal(400_000) if granted else None,
            period_start=dt.date(today.year + 1, 1, 1) if granted else None,
            period_end=dt.date(today.year + 1, 12, 31) if granted else None,
            reason=""
            if granted
            else translation.gettext(
                "Example: the application was ranked below the money available."
            ),
        )
    return letter_pdf(item, issued_on=today, by=by, partners=organisations[1:])


def _slug(text: str, limit: int = 40) -> str:
    """``text`` as a file name's part, æ, ø and å kept, cut after a whole word."""
    slug = slugify(text, allow_unicode=True)
    if len(slug) > limit:
        slug = slug[: limit + 1].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug


def letter_filename(item: DecisionItem) -> str:
    """The letter's file name, æ, ø and å kept: "vedtak-17-heimesjukehus-for-små-barn.pdf"."""
    return f"vedtak-{item.application_id}-{_slug(item.application.title) or 'soknad'}.pdf"


def zip_filename(round_) -> str:
    """The ZIP's file name: "vedtaksbrev-4-søknadsrunde-våren-2026.zip"."""
    return (
        "-".join(part for part in ("vedtaksbrev", str(round_.pk), _slug(round_.name)) if part)
        + ".zip"
    )


@transaction.atomic
def letter_issue(item: DecisionItem, *, by: User) -> DecisionLetter:
    """Render and keep the letter, and tell the applicants it is on their case. Issuing twice
    gives the same letter and no second message."""
    existing = DecisionLetter.objects.filter(item=item).first()
    if existing is not None:
        return existing
    now = timezone.now()
    pdf = letter_pdf(item, issued_on=timezone.localdate(now), by=by)
    letter = DecisionLetter(application=item.application, item=item, issued_at=now, issued_by=by)
    letter.file.save(letter_filename(item), ContentFile(pdf), save=False)
    letter.save()
    application = item.application
    notify(
        community=application.community,
        kind=Notification.Kind.DECISION,
        key=f"decision:{application.pk}",
        recipients=applicant_users(application),
        template="komite/emails/decision",
        context={"application": application, "item": item, "decision": item.decision},
        url=application.get_absolute_url(),
    )
    return letter


@community_task(name="komite.letters_issue")
def letters_issue(community, batch_id: int) -> str:
    """Issue every letter of the round's final decision and pack them in one ZIP, counting
    progress on the batch as it goes. The ZIP is written to a temporary file, never held in
    memory, so a round of hundreds of letters fits."""
    batch = LetterBatch.objects.select_related("round", "requested_by").get(pk=batch_id)
    items = letter_items(batch.round)
    LetterBatch.objects.filter(pk=batch.pk).update(
        status=LetterBatch.Status.RUNNING, total=len(items), done=0
    )
    try:
        with TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
                for done, item in enumerate(items, start=1):
                    letter = letter_issue(item, by=batch.requested_by)
                    with letter.file.open("rb") as pdf:
                        archive.writestr(letter_filename(item), pdf.read())
                    LetterBatch.objects.filter(pk=batch.pk).update(done=done)
            spool.seek(0)
            batch.refresh_from_db()
            batch.file.save(f"vedtaksbrev-{batch.round_id}-{batch.pk}.zip", File(spool), save=False)
    except Exception as error:  # the page says it failed; the letters issued so far are kept
        log.exception("Decision letters for round %s failed", batch.round_id)
        LetterBatch.objects.filter(pk=batch.pk).update(
            status=LetterBatch.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        return ""
    batch.status = LetterBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.save(update_fields=["file", "status", "finished_at"])
    return batch.file.name
