"""Forms of the account pages. Labels and messages are German msgids (translated to English)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from rathaus.integrations.outbox import email_enqueue

from .models import Profile, User


def _email_field(**kwargs: Any) -> forms.EmailField:
    return forms.EmailField(
        label=kwargs.pop("label", _("E-Mail-Adresse")),
        max_length=254,
        widget=forms.EmailInput(
            attrs={
                "autocomplete": "email",
                "class": "kern-form-input__input",
                "spellcheck": "false",
            }
        ),
        **kwargs,
    )


def _password_field(label: Any, autocomplete: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": autocomplete, "class": "kern-form-input__input"}
        ),
        **kwargs,
    )


def _text(label: Any, autocomplete: str, required: bool = False, **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.TextInput(
            attrs={"autocomplete": autocomplete, "class": "kern-form-input__input", **attrs}
        ),
    )


class LoginForm(AuthenticationForm):
    """E-mail + password. ``audience`` decides which accounts may pass (citizen or staff)."""

    username = _email_field()
    password = _password_field(_("Passwort"), "current-password")

    error_messages = {
        "invalid_login": _(
            "E-Mail-Adresse oder Passwort sind falsch. Bitte prüfen Sie Ihre Eingabe."
        ),
        "inactive": _("Dieses Konto ist gesperrt."),
        "staff_account": _(
            "Dies ist ein Konto der Verwaltung. Bitte melden Sie sich über die Anmeldung für "
            "Mitarbeitende an."
        ),
        "citizen_account": _(
            "Dies ist ein Bürgerkonto. Die Verwaltung ist nur für Mitarbeitende; bitte nutzen "
            "Sie die Anmeldung im Serviceportal."
        ),
        "no_access": _(
            "E-Mail-Adresse oder Passwort sind falsch, oder Sie haben keinen Zugang zur "
            "Verwaltung dieser Kommune."
        ),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs["autofocus"] = True
        self.refused_code = ""

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()

    def refuse(self, code: str) -> forms.ValidationError:
        self.refused_code = code
        return forms.ValidationError(self.error_messages[code], code=code)


class CitizenLoginForm(LoginForm):
    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not user.is_citizen:
            raise self.refuse("staff_account")


class StaffLoginForm(LoginForm):
    def confirm_login_allowed(self, user: User) -> None:
        from .staff import may_use_back_office

        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise self.refuse("citizen_account")
        if not may_use_back_office(user, getattr(self.request, "municipality", None)):
            # Same wording as a wrong password: never reveal that the person works elsewhere.
            raise self.refuse("no_access")


class RegistrationForm(forms.Form):
    first_name = _text(_("Vorname"), "given-name")
    last_name = _text(_("Nachname"), "family-name")
    email = _email_field()
    password1 = _password_field(
        _("Passwort"),
        "new-password",
        help_text=_("Mindestens 10 Zeichen; nicht nur Ziffern und kein gängiges Passwort."),
    )
    password2 = _password_field(_("Passwort wiederholen"), "new-password")
    accept = forms.BooleanField(
        label=_("Ich habe die Datenschutzhinweise gelesen."),
        error_messages={"required": _("Bitte bestätigen Sie die Datenschutzhinweise.")},
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Die beiden Passwörter stimmen nicht überein."))
        if p1:
            probe = User(
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ProfileForm(forms.ModelForm):
    """Personal data that prefills application forms. Names come from the account."""

    first_name = _text(_("Vorname"), "given-name")
    last_name = _text(_("Nachname"), "family-name")

    class Meta:
        model = Profile
        fields = ["salutation", "birth_date", "street", "postcode", "city", "phone", "company_name"]
        widgets = {
            "salutation": forms.TextInput(
                attrs={"autocomplete": "honorific-prefix", "class": "kern-form-input__input"}
            ),
            "birth_date": forms.DateInput(
                format="%Y-%m-%d",
                attrs={"type": "date", "autocomplete": "bday", "class": "kern-form-input__input"},
            ),
            "street": forms.TextInput(
                attrs={"autocomplete": "street-address", "class": "kern-form-input__input"}
            ),
            "postcode": forms.TextInput(
                attrs={
                    "autocomplete": "postal-code",
                    "inputmode": "numeric",
                    "class": "kern-form-input__input",
                }
            ),
            "city": forms.TextInput(
                attrs={"autocomplete": "address-level2", "class": "kern-form-input__input"}
            ),
            "phone": forms.TextInput(
                attrs={"autocomplete": "tel", "type": "tel", "class": "kern-form-input__input"}
            ),
            "company_name": forms.TextInput(
                attrs={"autocomplete": "organization", "class": "kern-form-input__input"}
            ),
        }

    field_order = ["first_name", "last_name", "salutation", "birth_date"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["first_name"].initial = user.first_name
        self.fields["last_name"].initial = user.last_name
        if user.external_subject:
            # Names vouched for by an identity provider (e.g. the eID) are not edited here.
            for name in ("first_name", "last_name"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Von Ihrem Identitätsanbieter bestätigt.")

    def clean_postcode(self) -> str:
        value = str(self.cleaned_data.get("postcode", "")).strip()
        if value and (len(value) != 5 or not value.isdigit()):
            raise forms.ValidationError(_("Bitte geben Sie eine fünfstellige Postleitzahl an."))
        return value

    def save(self, commit: bool = True) -> Profile:
        profile = super().save(commit=commit)
        if not self.user.external_subject:
            self.user.first_name = self.cleaned_data["first_name"].strip()
            self.user.last_name = self.cleaned_data["last_name"].strip()
            self.user.save(update_fields=["first_name", "last_name"])
        return profile


class PasswordConfirmMixin(forms.Form):
    """Asks for the current password when the account has one (external logins have none)."""

    password = _password_field(_("Aktuelles Passwort"), "current-password", required=False)

    def __init__(self, *args: Any, user: User, request: HttpRequest | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request
        if user.has_usable_password():
            self.fields["password"].required = True
        else:
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        # authenticate() (not check_password) so that guessing here counts toward the lockout.
        checked = authenticate(self.request, username=self.user.email, password=password)
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(_("Das Passwort ist nicht richtig."))
        return password


class EmailChangeForm(PasswordConfirmMixin):
    email = _email_field(label=_("Neue E-Mail-Adresse"))
    field_order = ["email", "password"]

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        if email == self.user.email:
            raise forms.ValidationError(_("Das ist bereits Ihre E-Mail-Adresse."))
        return email


class AccountDeleteForm(PasswordConfirmMixin):
    confirm = forms.BooleanField(
        label=_("Ich möchte mein Konto endgültig löschen."),
        error_messages={"required": _("Bitte bestätigen Sie, dass Sie das Konto löschen möchten.")},
    )


class ResendVerificationForm(forms.Form):
    pass


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form; the mail goes through the municipality's outbox."""

    email = _email_field()

    def __init__(self, *args: Any, municipality: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        context = {**context, "municipality": self.municipality}
        subject = " ".join(render_to_string(subject_template_name, context).split())
        body = render_to_string(email_template_name, context)
        email_enqueue(
            municipality=self.municipality,
            to=to_email,
            subject=subject,
            body=body,
            dedupe_key=f"password-reset:{context['uid']}:{context['token']}",
        )


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Sicherheitscode"),
        max_length=8,
        help_text=_("Der sechsstellige Code aus Ihrer Authenticator-App."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "autofocus": True,
                "class": "kern-form-input__input",
            }
        ),
    )

    def clean_otp_token(self) -> str:
        value = "".join(str(self.cleaned_data["otp_token"]).split())
        if not value.isdigit() or len(value) != 6:
            raise forms.ValidationError(_("Bitte geben Sie den sechsstelligen Code ein."))
        return value
