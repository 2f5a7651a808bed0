from django import template

from ruhu.common.masking import mask as mask_value

register = template.Library()


@register.filter
def mask(value, kind):
    """`{{ household.phone|mask:"phone" }}` → `138****8000`."""
    return mask_value(kind, value or "")


@register.filter
def action_label(action):
    """`{{ event.action|action_label }}` → `登录`."""
    from ruhu.common.audit_display import action_label as label

    return label(action)


@register.simple_tag(takes_context=True)
def audit_changes(context, event):
    """`{% audit_changes e as rows %}`: labelled changes; related names cached per render."""
    from ruhu.common.audit_display import readable_changes

    cache = context.render_context.setdefault("audit_related_names", {})
    return readable_changes(event, cache)
