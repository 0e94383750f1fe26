"""The citizen's side of a case: postbox, case page with timeline, answering, withdrawing.

Who may see a case: the logged-in applicant, or whoever opened the secret tracking link of that
case in this browser session (applications without account). Everyone else gets a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from rathaus.accounts.models import User
from rathaus.cases.events import KIND_LABELS
from rathaus.cases.models import Case, CaseState
from rathaus.cases.selectors import case_history
from rathaus.cases.services import case_answer_question, case_by_tracking_token, case_withdraw
from rathaus.cases.workflow import Action, is_allowed
from rathaus.core.decorators import municipality_required
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.records.models import Document, DocumentVersion
from rathaus.records.views import version_response

from .forms import AnswerForm, WithdrawForm
from .models import PostboxMessage
from .services import postbox_mark_read

SESSION_KEY = "rathaus_tracked_cases"


def _tracked(request: HttpRequest) -> list[int]:
    return [int(pk) for pk in request.session.get(SESSION_KEY, [])]


def _applicant_actor(request: HttpRequest, case: Case) -> User | None:
    """The actor for services: the logged-in applicant, or None for tracking-link access."""
    if request.user.is_authenticated and case.applicant_id == request.user.pk:
        return request.user
    return None


def _case_or_404(request: HttpRequest, pk: int) -> Case:
    municipality = request.municipality  # type: ignore[attr-defined]
    case = Case.objects.of(municipality).select_related("service").filter(pk=pk).first()
    if case is None:
        raise Http404
    own = request.user.is_authenticated and case.applicant_id == request.user.pk
    if not own and case.pk not in _tracked(request):
        raise Http404
    return case


@require_safe
@municipality_required
def inbox(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    cases = Case.objects.of(municipality).select_related("service")
    tracked = _tracked(request)
    if request.user.is_authenticated:
        cases = cases.filter(applicant=request.user) | cases.filter(pk__in=tracked)
    elif tracked:
        cases = cases.filter(pk__in=tracked)
    else:
        return redirect(f"{_login_url()}?next={request.get_full_path()}")
    cases = cases.order_by("-created_at")
    postbox = (
        PostboxMessage.objects.of(municipality)
        .filter(case__in=cases)
        .select_related("case", "document")
        .order_by("-created_at", "-id")[:100]
    )
    return render(request, "postbox/inbox.html", {"cases": cases, "postbox": postbox})


def _login_url() -> str:
    from django.shortcuts import resolve_url

    return resolve_url("accounts:login")


@require_safe
@municipality_required
def track(request: HttpRequest, token: str) -> HttpResponse:
    case = case_by_tracking_token(
        municipality=request.municipality,  # type: ignore[attr-defined]
        token=token[:100],
    )
    if case is None:
        raise Http404
    tracked = _tracked(request)
    if case.pk not in tracked:
        request.session.cycle_key()
        request.session[SESSION_KEY] = [*tracked, case.pk][-20:]
    return redirect("postbox:case", pk=case.pk)


def _page(request: HttpRequest, case: Case, status: int = 200, **forms) -> HttpResponse:
    messages_qs = list(
        PostboxMessage.objects.filter(case=case).select_related("document").order_by("-created_at")
    )
    postbox_mark_read(messages=messages_qs)
    documents = (
        Document.objects.filter(file__case=case, visible_to_applicant=True)
        .prefetch_related("versions")
        .order_by("created_at")
    )
    history = list(case_history(case=case, public_only=True))
    for event in history:
        event.label = KIND_LABELS.get(event.kind, event.kind)  # type: ignore[attr-defined]
    question = None
    if case.state == CaseState.QUESTION:
        question = case.questions.filter(answered_at__isnull=True).order_by("-asked_at").first()
    initial = {"version": case.version}
    return render(
        request,
        "postbox/case.html",
        {
            "case": case,
            "postbox": messages_qs,
            # Messages whose PDF the worker renders: without it yet, the page says it is coming.
            "pending_kinds": (PostboxMessage.Kind.RECEIPT, PostboxMessage.Kind.NOTICE),
            "documents": documents,
            "history": history,
            "question": question,
            "answer_form": forms.get("answer_form") or AnswerForm(initial=initial),
            "withdraw_form": forms.get("withdraw_form") or WithdrawForm(initial=initial),
            "can_withdraw": is_allowed(case, Action.WITHDRAW),
        },
        status=status,
    )


@require_safe
@municipality_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _case_or_404(request, pk))


def _error(request: HttpRequest, case: Case, error: RathausError) -> HttpResponse:
    if error.code == ErrorCode.NOT_FOUND:
        raise Http404
    messages.error(request, error.message)
    status = (
        409 if error.code in (ErrorCode.STALE_OBJECT, ErrorCode.TRANSITION_NOT_ALLOWED) else 400
    )
    return _page(request, case, status=status)


@require_POST
@municipality_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    form = AnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, case, status=400, answer_form=form)
    try:
        case_answer_question(
            case=case,
            actor=_applicant_actor(request, case),
            version=form.cleaned_data["version"],
            answer=form.cleaned_data["answer"] or "",
            attachment=form.cleaned_data["attachment"],
        )
    except RathausError as error:
        return _error(request, case, error)
    messages.success(request, _("Vielen Dank, Ihre Antwort ist eingegangen."))
    return redirect("postbox:case", pk=case.pk)


@require_POST
@municipality_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _page(request, case, status=400, withdraw_form=form)
    try:
        case_withdraw(
            case=case, actor=_applicant_actor(request, case), version=form.cleaned_data["version"]
        )
    except RathausError as error:
        return _error(request, case, error)
    messages.success(request, _("Ihr Antrag wurde zurückgezogen."))
    return redirect("postbox:case", pk=case.pk)


@require_safe
@municipality_required
def document(request: HttpRequest, pk: int, version_pk: int) -> FileResponse:
    case = _case_or_404(request, pk)
    version = DocumentVersion.objects.filter(
        pk=version_pk, document__file__case=case, document__visible_to_applicant=True
    ).first()
    if version is None:
        raise Http404
    return version_response(version)
