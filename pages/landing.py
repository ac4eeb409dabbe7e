"""Public landing pages at /p/<slug>: the published version's Markdown, sanitised."""

from __future__ import annotations

import nh3
from flask import Blueprint, Response, render_template
from markdown_it import MarkdownIt
from markupsafe import Markup

from models import WocsLandingVersion

bp = Blueprint("landing", __name__)

# Markdown only: raw HTML in content is shown as the text that was typed, so the sanitiser
# below is a second barrier, not the only one. `breaks` keeps every typed line its own line
# (WhatsApp writers expect that), and linkify turns bare https://wa.me/… links into links.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": True}).enable(
    ["table", "linkify"]
)

TAGS = {
    *("p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "blockquote"),
    *("a", "img", "code", "pre", "hr", "br", "table", "thead", "tbody", "tr", "th", "td"),
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
LINK_SCHEMES = {"http", "https", "mailto", "tel"}  # wa.me links are https
# A URL must say one of these at its start: the sanitiser alone passes any relative URL,
# and one like jav%09ascript:… is harmless but should not be there at all.
URL_STARTS = {
    ("a", "href"): ("http://", "https://", "mailto:", "tel:", "/", "#"),
    ("img", "src"): ("https://",),
}


def _attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop a link or image URL that does not start the way URL_STARTS allows."""
    starts = URL_STARTS.get((tag, attribute))
    if starts and not value.strip().lower().startswith(starts):
        return None
    return value


def sanitise(html: str) -> str:
    """Keep only the allow-listed tags and attributes; links get rel="noopener nofollow"."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        link_rel="noopener nofollow",
        attribute_filter=_attribute,
    )


def render_markdown(content: str) -> Markup:
    """Markdown to HTML that is safe to put in a page as it is."""
    return Markup(sanitise(_MARKDOWN.render(content)))  # noqa: S704 - sanitised just above


@bp.get("/p/<slug>")
def landing_page(slug: str) -> Response:
    """The live version of a landing page, or a 404 page saying it is not there."""
    page = WocsLandingVersion.get_or_none(
        (WocsLandingVersion.slug == slug.lower()[:80]) & WocsLandingVersion.published
    )
    # Its strict policy (CSP) comes with every answer of the site: pages/site.py.
    if page is None:
        return Response(render_template("pages/landing.html", page=None), 404)
    body = render_markdown(page.content)
    return Response(render_template("pages/landing.html", page=page, body=body))
