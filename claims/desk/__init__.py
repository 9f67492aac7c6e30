"""The reviewer's desk: server-rendered pages with htmx partial updates."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """The request a desk view gets: django-htmx's middleware adds `htmx`."""

    htmx: HtmxDetails
