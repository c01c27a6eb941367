"""Severity words and the rule set's fixed sentences, for any page that speaks of safety."""

from django import template

from safety import engine

register = template.Library()


@register.filter
def severity_words(severity: str) -> str:
    return engine.SEVERITY_WORDS.get(severity, severity)


@register.simple_tag
def not_medical_advice() -> str:
    return engine.NOT_MEDICAL_ADVICE


@register.simple_tag
def red_flag_symptoms() -> str:
    return engine.RED_FLAG_SYMPTOMS
