"""The back office: the team's inbox, the case page and one POST endpoint per action.

Views stay thin: they parse a form, call one service function and turn a
:class:`RathausError` into a message. A stale version gives a 409 page that explains what
happened and links to the current state.
"""

from __future__ import annotations

import html
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from rathaus.accounts.models import StaffRole
from rathaus.applications.models import Channel
from rathaus.applications.services import application_start
from rathaus.cases import services
from rathaus.cases.answers import answers_for_display
from rathaus.cases.events import KIND_LABELS
from rathaus.cases.models import Case, CaseState
from rathaus.cases.selectors import (
    InboxFilters,
    case_for_staff,
    case_history,
    cases_for_inbox,
    team_members,
)
from rathaus.cases.workflow import TRANSITIONS, Action, staff_actions
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.fragments import fragment_cached
from rathaus.payments.models import Payment
from rathaus.records.models import Document, DocumentVersion
from rathaus.records.views import version_response

from .access import StaffRequest, staff_member_required
from .forms import (
    AssignForm,
    CounterStartForm,
    DecideForm,
    InboxFilterForm,
    NoteForm,
    QuestionForm,
    VersionForm,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@require_safe
@staff_member_required
def inbox(request: StaffRequest) -> HttpResponse:
    municipality = request.municipality
    form = InboxFilterForm(request.GET or None, municipality=municipality)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    filters = InboxFilters(
        service=data["service"].pk if data.get("service") else None,
        state=data.get("state") or "",
        assignee=data.get("assignee") or "",
        overdue=bool(data.get("overdue")),
        channel=data.get("channel") or "",
        q=data.get("q") or "",
        sort=data.get("sort") or "new",
    )
    page = cases_for_inbox(
        municipality=municipality,
        user=request.user,
        filters=filters,
        cursor=request.GET.get("nach", "")[:40],
    )
    next_url = ""
    if page.next_cursor:
        query = request.GET.copy()
        query["nach"] = page.next_cursor
        next_url = f"?{query.urlencode()}"
    return render(
        request,
        "backoffice/inbox.html",
        {
            "form": form,
            "filters_html": _inbox_filters_html(form),
            "cases": page.cases,
            "rows_html": _inbox_rows(
                page.cases, reverse("backoffice:case", args=[0])[: -len("0/")]
            ),
            "next_url": next_url,
            "first_page": "nach" in request.GET,
        },
    )


def _inbox_rows(cases: list[Case], case_url_prefix: str) -> SafeString:
    """The inbox table's rows as HTML, built in Python like the Django admin's change list
    (``items_for_result``): 50 rows of eight cells through the template engine were about half
    of the page's time (some 750 variable look-ups per page), and even ``format_html`` cost a
    sixth of it (Django's ``escape`` is wrapped for lazy strings). Every value from the database
    goes through ``html.escape`` (what Django's ``escape`` calls); the fixed labels are escaped
    once per page. Labels and dates are computed once per page: ``get_FOO_display`` builds a
    dict of lazy strings on every call, and the rows of a page share few dates."""
    esc = html.escape
    state_labels = {value: esc(str(label)) for value, label in CaseState.choices}
    channel_labels = {value: esc(str(label)) for value, label in Channel.choices}
    overdue_badge = (
        ' <span class="kern-badge kern-badge--danger kern-badge--small">'
        f"{esc(_('überfällig'))}</span>"
    )
    unassigned = f'<span class="kern-body--muted">{esc(_("offen"))}</span>'
    prefix = esc(case_url_prefix)
    today = timezone.localdate()
    dates: dict[date, str] = {}

    def short(value: date) -> str:
        found = dates.get(value)
        if found is None:
            found = dates[value] = esc(date_format(value, "SHORT_DATE_FORMAT"))
        return found

    cell = '<td class="kern-table__cell">'
    rows = []
    for case in cases:
        overdue = bool(case.due_date and case.is_open and case.due_date < today)
        due = (short(case.due_date) + (overdue_badge if overdue else "")) if case.due_date else "–"
        assignee = case.assignee
        rows.append(
            f'<tr class="kern-table__row{" is-overdue" if overdue else ""}">'
            f'<th scope="row" class="kern-table__cell"><a class="kern-link" '
            f'href="{prefix}{case.pk}/">{esc(case.reference)}</a></th>'
            f"{cell}{esc(case.service.name)}</td>"
            f"{cell}{esc(case.applicant_name or '–')}</td>"
            f"{cell}{state_labels.get(case.state) or esc(case.state)}</td>"
            f"{cell}{short(timezone.localdate(case.created_at))}</td>"
            f"{cell}{channel_labels.get(case.channel) or esc(case.channel)}</td>"
            f"{cell}{due}</td>"
            f"{cell}{esc(assignee.get_full_name() or assignee.email) if assignee else unassigned}"
            "</td></tr>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


FILTERS_CACHE_SECONDS = 300


def _inbox_filters_html(form: InboxFilterForm) -> str:
    """The filter form's HTML, cached: rendering its widgets through Django's form templates
    took about a fifth of the inbox's time. The key holds everything the HTML depends on — the
    language, the URL prefix, the submitted filter values and the municipality's services (one
    small query) — so a cached copy is never stale."""
    field = cast("forms.ModelChoiceField[Any]", form.fields["service"])
    queryset = field.queryset
    services_now = list(queryset.values_list("pk", "name")) if queryset is not None else []
    submitted = cast("QueryDict", form.data)
    data = [(k, submitted.getlist(k)) for k in sorted(submitted) if k in form.fields]
    return fragment_cached(
        "backoffice:inbox-filters",
        (reverse("backoffice:inbox"), data, services_now),
        lambda: render_to_string("backoffice/includes/inbox_filters.html", {"form": form}),
        seconds=FILTERS_CACHE_SECONDS,
    )


home = inbox

# The back office's areas: (URL name, title, description, for admins only). Areas whose pages
# refuse clerks are listed for admins only, so a clerk sees only what they may open.
AREAS: list[tuple[str, StrOrPromise, StrOrPromise, bool]] = [
    (
        "backoffice:inbox",
        gettext_lazy("Vorgänge"),
        gettext_lazy("Eingegangene Anträge bearbeiten, Rückfragen stellen, entscheiden."),
        False,
    ),
    (
        "payments_admin:list",
        gettext_lazy("Zahlungen"),
        gettext_lazy("Offene Zahlungen, Überweisungen buchen."),
        False,
    ),
    (
        "parking_admin:register",
        gettext_lazy("Bewohnerparkausweise"),
        gettext_lazy("Ausweisregister je Zone, Auslastung, manuelle Prüfungen, Widerruf."),
        False,
    ),
    (
        "geo_admin:list",
        gettext_lazy("Parkzonen und Adressen"),
        gettext_lazy(
            "Zonen und Adressregister einsehen; Administration: importieren und bearbeiten."
        ),
        False,
    ),
    (
        "trade_admin:register",
        gettext_lazy("Gewerberegister"),
        gettext_lazy("Betriebe mit ihrer Geschichte, Registerauszüge, Monatsstatistik."),
        False,
    ),
    (
        "xgewerbe_admin:recipients",
        gettext_lazy("Empfänger der Gewerbeanzeigen"),
        gettext_lazy("Empfangsberechtigte Stellen nach § 3 GewAnzV und ihre Zustellungen."),
        True,
    ),
    (
        "api_admin:clients",
        gettext_lazy("Schnittstellen"),
        gettext_lazy("API-Zugänge für Fachverfahren, Webhooks und ihre Zustellungen."),
        True,
    ),
    (
        "catalog_admin:list",
        gettext_lazy("Leistungen"),
        gettext_lazy("Leistungen ein- und ausschalten, Texte und Gebühren ändern, importieren."),
        True,
    ),
    (
        "backoffice:staff",
        gettext_lazy("Mitarbeitende"),
        gettext_lazy(
            "Mitarbeitende einladen, Rollen und Teams ändern, Zwei-Faktor-Anmeldung zurücksetzen."
        ),
        True,
    ),
    (
        "backoffice:teams",
        gettext_lazy("Teams"),
        gettext_lazy("Welches Team welche Leistungen bearbeitet und wer dazugehört."),
        True,
    ),
    (
        "integrations:deliveries",
        gettext_lazy("Zustellungen"),
        gettext_lazy("Fehlgeschlagene Zustellungen ansehen und erneut senden."),
        True,
    ),
]


@staff_member_required
def areas(request: StaffRequest) -> HttpResponse:
    is_admin = request.membership.role == StaffRole.ADMIN
    return render(
        request,
        "backoffice/areas.html",
        {
            "areas": [
                {"url": reverse(name), "title": title, "description": description}
                for name, title, description, admin_only in AREAS
                if is_admin or not admin_only
            ],
            "nav_active": "areas",
        },
    )


def _case_or_404(request: StaffRequest, pk: int) -> Case:
    case = case_for_staff(
        municipality=request.municipality,
        user=request.user,
        pk=pk,
    )
    if case is None:
        raise Http404
    return case


def _case_page(request: StaffRequest, case: Case, status: int = 200, **forms: Any) -> HttpResponse:
    actions = set(staff_actions(case))
    can_assign = request.membership.role != StaffRole.CLERK
    version_initial = {"version": case.version}
    documents = list(
        Document.objects.of(case.municipality_id)
        .filter(file__case=case)
        .prefetch_related(Prefetch("versions", queryset=DocumentVersion.objects.order_by("number")))
        .select_related("created_by")
    )
    application = case.application
    # The worker renders receipts and notices moments after submission and decision: say so
    # rather than show a file without them.
    kinds = {document.kind for document in documents}
    pending = []
    if application is not None and Document.Kind.RECEIPT not in kinds:
        pending.append(_("Die Eingangsbestätigung wird gerade erstellt."))
    if case.decided_at is not None and Document.Kind.NOTICE not in kinds:
        pending.append(_("Der Bescheid wird gerade erstellt."))
    definition = application.definition_version.data if application is not None else {}
    fee = application.fee_amount if application is not None else None
    # Only an application with a fee can have a payment (``workflow.payment``): no query
    # for the others.
    payments = (
        list(Payment.objects.of(case.municipality_id).filter(case=case).order_by("created_at"))
        if fee
        else []
    )
    history = list(case_history(case=case).select_related("actor"))
    for event in history:
        event.label = KIND_LABELS.get(event.kind, event.kind)  # type: ignore[attr-defined]
    context = {
        "case": case,
        "actions": actions,
        "Action": {a.name: a.value for a in Action},
        "labels": {a.value: TRANSITIONS[a].label for a in Action},
        "answers": answers_for_display(
            definition, application.data if application is not None else {}
        ),
        "documents": documents,
        "documents_pending": pending,
        "history": history,
        "questions": list(case.questions.order_by("asked_at")),
        "version_form": VersionForm(initial=version_initial),
        "assign_form": forms.get("assign_form")
        or (
            AssignForm(
                initial={**version_initial, "assignee": case.assignee_id},
                members=team_members(case=case),
            )
            if can_assign and Action.ASSIGN in actions
            else None
        ),
        "question_form": forms.get("question_form") or QuestionForm(initial=version_initial),
        "decide_form": forms.get("decide_form") or DecideForm(initial=version_initial),
        "note_form": forms.get("note_form") or NoteForm(initial=version_initial),
        "is_mine": case.assignee_id == request.user.pk,
        "fee": fee,
        "payments": payments,
    }
    return render(request, "backoffice/case.html", context, status=status)


@require_safe
@staff_member_required
def case_detail(request: StaffRequest, pk: int) -> HttpResponse:
    return _case_page(request, _case_or_404(request, pk))


def _error_response(request: StaffRequest, case: Case, error: RathausError) -> HttpResponse:
    if error.code in (ErrorCode.STALE_OBJECT, ErrorCode.TRANSITION_NOT_ALLOWED):
        return render(
            request,
            "backoffice/conflict.html",
            {"case": case, "error": error, "stale": error.code == ErrorCode.STALE_OBJECT},
            status=409,
        )
    if error.code == ErrorCode.NOT_FOUND:
        raise Http404
    messages.error(request, error.message)
    return _case_page(request, case, status=400 if error.code == ErrorCode.INVALID_INPUT else 403)


@require_POST
@staff_member_required
def case_action(request: StaffRequest, pk: int, action: str) -> HttpResponse:
    """One endpoint per action name; each calls exactly one service function."""
    case = _case_or_404(request, pk)
    actor = request.user
    form: Any
    try:
        if action == Action.ASSIGN:
            form = AssignForm(request.POST, members=team_members(case=case))
            if not form.is_valid():
                return _case_page(request, case, status=400, assign_form=form)
            services.case_assign(
                case=case,
                actor=actor,
                version=form.cleaned_data["version"],
                assignee=form.cleaned_data["assignee"],
            )
            done = _("Der Vorgang wurde zugewiesen.")
        elif action == Action.ASK:
            form = QuestionForm(request.POST)
            if not form.is_valid():
                return _case_page(request, case, status=400, question_form=form)
            services.case_ask_question(
                case=case,
                actor=actor,
                version=form.cleaned_data["version"],
                text=form.cleaned_data["text"],
                deadline=form.cleaned_data["deadline"],
            )
            done = _(
                "Die Rückfrage steht jetzt im Postfach der Antragstellerin/des Antragstellers."
            )
        elif action == Action.DECIDE:
            form = DecideForm(request.POST)
            if not form.is_valid():
                return _case_page(request, case, status=400, decide_form=form)
            services.case_decide(
                case=case,
                actor=actor,
                version=form.cleaned_data["version"],
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data["reasons"],
            )
            done = _("Entschieden. Der Bescheid liegt in der Akte und im Postfach.")
        elif action == Action.NOTE:
            form = NoteForm(request.POST)
            if not form.is_valid():
                return _case_page(request, case, status=400, note_form=form)
            services.case_add_note(
                case=case,
                actor=actor,
                version=form.cleaned_data["version"],
                text=form.cleaned_data["text"],
            )
            done = _("Die Notiz wurde gespeichert.")
        elif action in (Action.CLAIM, Action.START, Action.CLOSE):
            form = VersionForm(request.POST)
            if not form.is_valid():
                raise RathausError(ErrorCode.INVALID_INPUT, _("Die Anfrage war unvollständig."))
            function = {
                Action.CLAIM: services.case_claim,
                Action.START: services.case_start,
                Action.CLOSE: services.case_close,
            }[Action(action)]
            function(case=case, actor=actor, version=form.cleaned_data["version"])
            done = {
                Action.CLAIM: _("Sie bearbeiten jetzt diesen Vorgang."),
                Action.START: _("Die Bearbeitung hat begonnen."),
                Action.CLOSE: _("Der Vorgang ist abgeschlossen."),
            }[Action(action)]
        else:
            raise Http404
    except RathausError as error:
        return _error_response(request, case, error)
    messages.success(request, done)
    return redirect("backoffice:case", pk=case.pk)


@require_safe
@staff_member_required
def document_download(request: StaffRequest, pk: int, version_pk: int) -> FileResponse:
    case = _case_or_404(request, pk)
    version = (
        DocumentVersion.objects.of(case.municipality_id)
        .filter(pk=version_pk, document__file__case=case)
        .first()
    )
    if version is None:
        raise Http404
    return version_response(version)


@require_http_methods(["GET", "POST"])
@staff_member_required
def counter_start(request: StaffRequest) -> HttpResponse:
    """Counter and phone: staff start an application for a citizen, the channel is recorded.

    The draft is created with ``channel`` and ``entered_by``; the clerk then fills in the same
    form as citizens do, with the same checks, and submits it (the channel stays recorded).
    """
    municipality = request.municipality
    form = CounterStartForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        service = form.cleaned_data["service"]
        application = application_start(
            service=service, channel=form.cleaned_data["channel"], entered_by=request.user
        )
        if form.cleaned_data["contact_email"]:
            application.contact_email = form.cleaned_data["contact_email"]
            application.save(update_fields=["contact_email"])
        messages.success(
            request,
            _("Antrag für „%(service)s“ angelegt (Eingangskanal: %(channel)s).")
            % {"service": service.name, "channel": application.get_channel_display()},
        )
        return redirect(
            reverse("applications:step", args=[application.public_id, application.current_step])
        )
    return render(request, "backoffice/counter.html", {"form": form})
