"""``{% is_science_manager user as can_manage %}``: whether the menu shows the managers' pages."""

from django import template

from ouvert.science import services

register = template.Library()


@register.simple_tag
def is_science_manager(user) -> bool:
    return services.is_science_manager(user)
