from django import template

from ruhu.common.masking import mask as mask_value

register = template.Library()


@register.filter
def mask(value, kind):
    """`{{ household.phone|mask:"phone" }}` → `138****8000`."""
    return mask_value(kind, value or "")
