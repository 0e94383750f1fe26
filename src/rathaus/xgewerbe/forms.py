from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _

from rathaus.integrations.transports import PermanentDeliveryError

from .models import Recipient
from .transports import dropfolder_path


class RecipientForm(forms.ModelForm):
    class Meta:
        model = Recipient
        fields = ["authority", "group", "prefix", "identifier", "transport", "address", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        transport, address = data.get("transport"), (data.get("address") or "").strip()
        if not transport or not address:
            return data
        try:
            if transport == Recipient.Transport.HTTP:
                URLValidator(schemes=["https", "http"])(address)
            elif transport == Recipient.Transport.EMAIL:
                EmailValidator()(address)
            else:
                if not Path(address).is_absolute():
                    raise ValidationError(_("Bitte einen absoluten Ordnerpfad angeben."))
                dropfolder_path(address)
        except ValidationError:
            messages = {
                Recipient.Transport.HTTP: _("Bitte eine gültige URL (https://…) angeben."),
                Recipient.Transport.EMAIL: _("Bitte eine gültige E-Mail-Adresse angeben."),
                Recipient.Transport.DROPFOLDER: _("Bitte einen absoluten Ordnerpfad angeben."),
            }
            self.add_error("address", messages[transport])
        except PermanentDeliveryError:
            self.add_error("address", _("Dieser Ordner ist für Ablagen nicht freigegeben."))
        data["address"] = address
        return data
