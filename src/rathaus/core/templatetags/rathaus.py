"""Template helpers shared by portal and back office."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()

_INPUT_CLASSES = {
    "select": "kern-form-input__select",
    "selectmultiple": "kern-form-input__select",
}


@register.filter
def kern_widget(field: BoundField) -> SafeString:
    """Render a form field's widget with KERN classes and the ARIA links to hint and error."""
    widget_type = field.widget_type
    base = _INPUT_CLASSES.get(widget_type, "kern-form-input__input")
    classes = [base]
    attrs: dict[str, str | bool] = {}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        classes.append(f"{base}--error")
        described.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.field.required:
        attrs["aria-required"] = "true"
    existing = str(field.field.widget.attrs.get("class", ""))
    attrs["class"] = " ".join([existing, *classes]).strip()
    return field.as_widget(attrs=attrs)
