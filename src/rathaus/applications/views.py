"""The online application: multi-step forms rendered from the service definition.

Views stay thin: access and flow decisions here, writes in ``services``, forms in ``formengine``.
An application is addressed by its random ``public_id``; somebody else's (or another
municipality's) application is a plain 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.accounts.models import TrustLevel
from rathaus.accounts.trust import current_trust_level
from rathaus.catalog import plugins
from rathaus.catalog.definition import FormField, ServiceDefinition, Step, load_definition
from rathaus.catalog.selectors import service_public
from rathaus.core.decorators import municipality_required
from rathaus.core.errors import ErrorCode, RathausError

from . import services
from .conditions import Answers
from .fees import FeeNotComputable, fee_compute
from .formengine import step_data_from_answers, step_form
from .formengine.forms import StepForm
from .models import Application
from .prefill import prefill_step
from .selectors import application_by_public_id, applications_of_user
from .steps import effective_answers, first_incomplete_step, step_reachable, visible_steps

SESSION_DRAFTS = "rathaus_application_drafts"
MAX_SESSION_DRAFTS = 20


# --- access ---------------------------------------------------------------------------------


def _session_drafts(request: HttpRequest) -> list[str]:
    return list(request.session.get(SESSION_DRAFTS, []))


def _remember_draft(request: HttpRequest, application: Application) -> None:
    drafts = [d for d in _session_drafts(request) if d != str(application.public_id)]
    drafts.append(str(application.public_id))
    request.session[SESSION_DRAFTS] = drafts[-MAX_SESSION_DRAFTS:]


def _application_for(request: HttpRequest, public_id: UUID) -> Application:
    """The application if this request may see it; 404 otherwise (no hint that it exists)."""
    application = application_by_public_id(
        municipality=request.municipality,  # type: ignore[attr-defined]
        public_id=public_id,
    )
    if application is None:
        raise Http404
    user = request.user
    user_id = user.pk if user.is_authenticated else None
    if user_id is not None and user_id in (application.applicant_id, application.entered_by_id):
        return application
    if application.applicant_id is None and str(public_id) in _session_drafts(request):
        if user_id is not None and getattr(user, "is_citizen", False):
            services.application_claim(application=application, user=user)  # type: ignore[arg-type]
        return application
    raise Http404


def _trust_level_name(level: int) -> str:
    return str(TrustLevel(level).label)


def _guard(request: HttpRequest, definition: ServiceDefinition) -> HttpResponse | None:
    """Login and trust level the service needs; a response when the request may not go on."""
    if not definition.allow_anonymous and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
    needed = definition.trust_level_value
    have = current_trust_level(request)
    if have < needed:
        return render(
            request,
            "applications/trust_level.html",
            {
                "definition": definition,
                "needed": _trust_level_name(needed),
                "have": _trust_level_name(have),
                "error_code": ErrorCode.TRUST_LEVEL_TOO_LOW,
            },
            status=403,
        )
    return None


def _open_draft(
    request: HttpRequest, public_id: UUID
) -> tuple[Application, ServiceDefinition] | HttpResponse:
    """The caller's draft and its definition, or the response to send instead: the
    confirmation for an application already submitted, or the login/trust-level page."""
    application = _application_for(request, public_id)
    if not application.is_draft:
        return redirect("applications:confirmation", application.public_id)
    definition = load_definition(application.definition_version)
    blocked = _guard(request, definition)
    if blocked is not None:
        return blocked
    return application, definition


def _next_url(application: Application, definition: ServiceDefinition) -> str:
    step = first_incomplete_step(definition, application.data, application.completed_steps)
    if step is None:
        return reverse("applications:summary", args=[application.public_id])
    return reverse("applications:step", args=[application.public_id, step.key])


# --- list and start -------------------------------------------------------------------------


@municipality_required
def mine(request: HttpRequest) -> HttpResponse:
    """ "Meine Anträge": the citizen's drafts and submitted applications in this municipality."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
    applications = applications_of_user(
        municipality=request.municipality,  # type: ignore[attr-defined]
        user=request.user,
    )
    return render(request, "applications/mine.html", {"applications": applications})


@require_POST
@municipality_required
def start(request: HttpRequest, key: str) -> HttpResponse:
    """Start a draft with the service's current definition and go to its first step."""
    service = service_public(municipality=request.municipality, key=key)  # type: ignore[attr-defined]
    if service is None:
        raise Http404
    assert service.current_version is not None  # service_public only lists published ones
    definition = load_definition(service.current_version)
    if not definition.allow_anonymous and not request.user.is_authenticated:
        return redirect_to_login(
            reverse("portal:service_detail", args=[key]), reverse("accounts:login")
        )
    blocked = _guard(request, definition)
    if blocked is not None:
        return blocked
    user = request.user if request.user.is_authenticated else None
    application = services.application_start(service=service, applicant=user)
    if user is None:
        _remember_draft(request, application)
    return redirect("applications:step", application.public_id, definition.steps[0].key)


@require_http_methods(["GET"])
@municipality_required
def resume(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """ "Fortsetzen": to the first step not yet completed, the summary or the confirmation."""
    application = _application_for(request, public_id)
    if not application.is_draft:
        return redirect("applications:confirmation", application.public_id)
    definition = load_definition(application.definition_version)
    return HttpResponseRedirect(_next_url(application, definition))


@require_http_methods(["GET"])
@municipality_required
def resume_link(request: HttpRequest, token: str) -> HttpResponse:
    """The secret link from the e-mail: restores an anonymous draft into this session."""
    try:
        application = services.draft_for_link(
            municipality=request.municipality,  # type: ignore[attr-defined]
            token=token,
        )
    except RathausError as error:
        status = 410 if error.code == ErrorCode.DRAFT_LINK_EXPIRED else 404
        return render(
            request,
            "applications/link_invalid.html",
            {"message": error.message, "error_code": error.code},
            status=status,
        )
    if application.applicant_id is not None:
        # A draft that already belongs to an account is resumed from "Meine Anträge".
        return redirect_to_login(
            reverse("applications:resume", args=[application.public_id]),
            reverse("accounts:login"),
        )
    _remember_draft(request, application)
    messages.success(request, _("Ihr Antrag wurde wiederhergestellt. Sie können weitermachen."))
    return redirect("applications:resume", application.public_id)


# --- steps ----------------------------------------------------------------------------------


def _step_context(
    request: HttpRequest,
    application: Application,
    definition: ServiceDefinition,
    step: Step,
    form: StepForm,
) -> dict[str, Any]:
    answers = application.data or {}
    steps = visible_steps(definition, answers)
    index = next((i for i, s in enumerate(steps) if s.key == step.key), 0)
    return {
        "application": application,
        "definition": definition,
        "step": step,
        "form": form,
        "items": form.page_items(),
        "errors": form.error_entries(),
        "steps": [
            {
                "key": s.key,
                "title": s.title,
                "done": s.key in application.completed_steps,
                "current": s.key == step.key,
                "reachable": step_reachable(
                    definition, answers, application.completed_steps, s.key
                ),
            }
            for s in steps
        ],
        "step_notes": plugins.step_notes(
            definition=definition,
            step=step.key,
            answers=effective_answers(definition, answers),
            municipality=application.municipality,
        ),
        "step_number": index + 1,
        "step_count": len(steps),
        "is_first": index == 0,
        "previous": steps[index - 1] if index > 0 else None,
        "show_draft_link": application.applicant_id is None and index == 0,
        "upload_limit_mb": _mb(max_upload_default()),
    }


def max_upload_default() -> int:
    from django.conf import settings

    return int(settings.RATHAUS_MAX_UPLOAD_BYTES)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _store_uploads(
    form: StepForm, application: Application, step: Step, data: Any, files: Any
) -> None:
    """Store newly posted files before validation, so they survive errors elsewhere on the page
    (shown as "bereits hochgeladen"); a rejected file becomes that field's error."""
    for sub_form in form.all_forms():
        for name, upload_field in sub_form.upload_fields():
            html_name = sub_form.add_prefix(name)
            file = files.get(html_name) if files else None
            if file is None:
                continue
            try:
                upload = services.upload_store(
                    application=application,
                    field_path=f"{step.key}.{html_name}",
                    file=file,
                    accept=upload_field.accept,
                    max_bytes=upload_field.max_bytes,
                )
            except RathausError as error:
                upload_field.pending_error = error.message
                continue
            finally:
                files.pop(html_name, None)
            form.uploads[upload.pk] = upload
            data[f"{html_name}__existing"] = str(upload.pk)
            data.pop(f"{html_name}__remove", None)


def _group_action(data: Any, action: str, form: StepForm) -> bool:
    """Apply "add entry" / "remove entry" (submit buttons, no JavaScript needed) to the posted
    data. Returns False for an unknown or tampered action."""
    parts = action.split(":")
    if len(parts) < 2 or parts[1] not in form.formsets:
        return False
    key = parts[1]
    spec = next(i.spec for i in form.layout if i.spec.key == key)
    try:
        total = int(data.get(f"{key}-TOTAL_FORMS", "0"))
    except ValueError:
        return False
    total = max(0, min(total, spec.max_items))
    if parts[0] == "add" and len(parts) == 2:
        data[f"{key}-TOTAL_FORMS"] = str(min(total + 1, spec.max_items))
        return True
    if parts[0] == "remove" and len(parts) == 3 and parts[2].isdigit():
        index = int(parts[2])
        if index >= total or total <= spec.min_items:
            return False
        for position in range(index, total):
            prefix, following = f"{key}-{position}-", f"{key}-{position + 1}-"
            for name in [n for n in list(data.keys()) if n.startswith(prefix)]:
                data.pop(name)
            for name in [n for n in list(data.keys()) if n.startswith(following)]:
                data.setlist(prefix + name[len(following) :], data.getlist(name))
        data[f"{key}-TOTAL_FORMS"] = str(total - 1)
        return True
    return False


@require_http_methods(["GET", "POST"])
@municipality_required
def step(request: HttpRequest, public_id: UUID, step_key: str) -> HttpResponse:
    opened = _open_draft(request, public_id)
    if isinstance(opened, HttpResponse):
        return opened
    application, definition = opened
    current = definition.step(step_key)
    if current is None:
        raise Http404
    answers: Answers = application.data or {}
    if not step_reachable(definition, answers, application.completed_steps, step_key):
        messages.warning(
            request,
            _("Dieser Schritt ist noch nicht dran. Bitte füllen Sie zuerst diesen Schritt aus."),
        )
        return HttpResponseRedirect(_next_url(application, definition))
    context_answers = effective_answers(definition, answers)
    uploads = {u.pk: u for u in application.uploads.all()}

    def build(data: Any, files: Any) -> StepForm:
        return step_form(
            definition=definition,
            step=current,
            answers=context_answers,
            uploads=uploads,
            data=data,
            files=files,
            municipality=application.municipality,
        )

    if request.method == "POST":
        try:
            data = request.POST.copy()
            files = request.FILES.copy()
        except (RequestDataTooBig, TooManyFieldsSent):
            messages.error(
                request,
                _(
                    "Die gesendeten Daten sind zu groß. Bitte senden Sie kleinere Dateien "
                    "(höchstens %(mb)s MB je Datei)."
                )
                % {"mb": _mb(max_upload_default())},
            )
            form = build(step_data_from_answers(current, answers.get(current.key) or {}), None)
            form.suppress_errors()
            context = _step_context(request, application, definition, current, form)
            return render(request, "applications/step.html", context, status=413)
        action = str(data.get("_action", "next"))
        form = build(data, files)
        _store_uploads(form, application, current, data, files)
        if action.startswith(("add:", "remove:")) and _group_action(data, action, form):
            form = build(data, MultiValueDict())
            form.suppress_errors()
            context = _step_context(request, application, definition, current, form)
            return render(request, "applications/step.html", context)
        if action == "link" and application.applicant_id is None:
            return _send_draft_link(request, application, current, form, data)
        if action == "save":
            complete = form.is_valid()
            values = form.values() if complete else form.valid_values()
            services.application_save_step(
                application=application,
                step_key=current.key,
                values=values,
                completed=complete and current.key in application.completed_steps,
                merge=not complete,
            )
            if complete:
                messages.success(request, _("Ihre Angaben wurden zwischengespeichert."))
            else:
                messages.warning(
                    request,
                    _(
                        "Ihre Angaben wurden zwischengespeichert. Angaben mit Fehlern wurden "
                        "nicht gespeichert."
                    ),
                )
            return redirect("applications:step", application.public_id, current.key)
        if form.is_valid():
            services.application_save_step(
                application=application,
                step_key=current.key,
                values=form.values(),
                completed=True,
            )
            return HttpResponseRedirect(_next_url(application, definition))
        context = _step_context(request, application, definition, current, form)
        return render(request, "applications/step.html", context)

    stored = answers.get(current.key) or {}
    if current.key not in answers:
        stored = prefill_step(current, stored, request.user)
    form = build(step_data_from_answers(current, stored), MultiValueDict())
    if request.GET.get("pruefen") and current.key in answers:
        form.is_valid()
    else:
        form.suppress_errors()
    return render(
        request,
        "applications/step.html",
        _step_context(request, application, definition, current, form),
    )


def _send_draft_link(
    request: HttpRequest, application: Application, current: Step, form: StepForm, data: Any
) -> HttpResponse:
    """Keep what is valid on the page and e-mail the secret link to resume the draft later."""
    from django import forms as django_forms

    try:
        email = django_forms.EmailField(max_length=254).clean(
            str(data.get("_contact_email", "")).strip()
        )
    except django_forms.ValidationError:
        messages.error(
            request,
            _("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@example.org."),
        )
        return redirect("applications:step", application.public_id, current.key)
    services.application_save_step(
        application=application,
        step_key=current.key,
        values=form.valid_values(),
        completed=False,
        merge=True,
    )
    services.draft_link_send(application=application, email=email)
    messages.success(
        request,
        _(
            "Ihre Angaben wurden zwischengespeichert. Wir haben Ihnen einen Link zum Fortsetzen "
            "an %(email)s geschickt; er ist %(days)s Tage gültig."
        )
        % {"email": email, "days": _draft_days()},
    )
    return redirect("applications:step", application.public_id, current.key)


def _draft_days() -> int:
    from django.conf import settings

    return int(settings.RATHAUS_DRAFT_LINK_DAYS)


# --- summary, submit, confirmation ----------------------------------------------------------


def _display(spec: FormField, value: Any, uploads: dict[int, Any]) -> str:
    if value in (None, "", [], {}):
        return "–" if spec.type != "boolean" else _("Nein")
    labels = {c.value: str(c.label) for c in spec.choices or []}
    if spec.type == "boolean":
        return _("Ja") if value else _("Nein")
    if spec.type == "choice":
        return labels.get(value, str(value))
    if spec.type == "multichoice":
        return ", ".join(labels.get(v, str(v)) for v in value)
    if spec.type == "date":
        from datetime import date

        try:
            return date_format(date.fromisoformat(value), "d.m.Y")
        except ValueError:
            return str(value)
    if spec.type == "money":
        return f"{number_format(Decimal(value), 2, force_grouping=True)} €"
    if spec.type == "address" and isinstance(value, dict):
        return f"{value.get('street', '')}, {value.get('postcode', '')} {value.get('city', '')}"
    if spec.type == "file":
        upload = uploads.get(value) if isinstance(value, int) else None
        return upload.original_name if upload else "–"
    return str(value)


def _summary_rows(
    definition: ServiceDefinition, answers: Answers, uploads: dict[int, Any]
) -> list[dict[str, Any]]:
    sections = []
    for current in definition.steps:
        if current.key not in answers:
            continue
        values = answers[current.key]
        rows: list[dict[str, Any]] = []
        for spec in current.fields:
            if spec.key not in values:
                continue
            if spec.type == "group":
                for index, entry in enumerate(values[spec.key] or []):
                    rows.append(
                        {
                            "heading": f"{spec.item_label or spec.label} {index + 1}",
                            "entries": [
                                {
                                    "label": sub.label,
                                    "value": _display(sub, entry.get(sub.key), uploads),
                                }
                                for sub in spec.fields or []
                                if sub.key in entry
                            ],
                        }
                    )
                continue
            rows.append({"label": spec.label, "value": _display(spec, values[spec.key], uploads)})
        sections.append({"step": current, "rows": rows})
    return sections


@require_http_methods(["GET"])
@municipality_required
def summary(request: HttpRequest, public_id: UUID) -> HttpResponse:
    opened = _open_draft(request, public_id)
    if isinstance(opened, HttpResponse):
        return opened
    application, definition = opened
    missing = first_incomplete_step(definition, application.data, application.completed_steps)
    if missing is not None:
        messages.warning(request, _("Bitte füllen Sie zuerst alle Schritte aus."))
        return redirect("applications:step", application.public_id, missing.key)
    answers = effective_answers(definition, application.data)
    uploads = {u.pk: u for u in application.uploads.all()}
    try:
        fee = fee_compute(
            definition=definition,
            answers=answers,
            municipality=request.municipality,  # type: ignore[attr-defined]
        )
        fee_error = False
    except FeeNotComputable:
        fee, fee_error = None, True
    steps = visible_steps(definition, application.data)
    return render(
        request,
        "applications/summary.html",
        {
            "application": application,
            "definition": definition,
            "sections": _summary_rows(definition, answers, uploads),
            "fee": fee,
            "fee_error": fee_error,
            "steps": [
                {"key": s.key, "title": s.title, "done": True, "reachable": True} for s in steps
            ],
        },
    )


@require_POST
@municipality_required
def submit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    opened = _open_draft(request, public_id)
    if isinstance(opened, HttpResponse):
        return opened
    application, _definition = opened
    try:
        services.application_submit(
            application=application,
            actor=request.user if request.user.is_authenticated else None,
        )
    except RathausError as error:
        if error.code == ErrorCode.APPLICATION_INCOMPLETE:
            step_key = error.details.get("step", "")
            services.application_step_reopen(application=application, step_key=step_key)
            messages.error(request, error.message)
            url = reverse("applications:step", args=[application.public_id, step_key])
            return HttpResponseRedirect(f"{url}?pruefen=1")
        messages.error(request, error.message)
        return redirect("applications:summary", application.public_id)
    except IntegrityError:
        # The same application submitted concurrently: the other request opened the case.
        application.refresh_from_db()
        if application.is_draft:
            raise
    return redirect("applications:confirmation", application.public_id)


@require_http_methods(["GET"])
@municipality_required
def confirmation(request: HttpRequest, public_id: UUID) -> HttpResponse:
    application = _application_for(request, public_id)
    if application.is_draft:
        return redirect("applications:resume", application.public_id)
    case = getattr(application, "case", None)
    return render(
        request,
        "applications/confirmation.html",
        {
            "application": application,
            "case": case,
            "definition": load_definition(application.definition_version),
        },
    )
