"""HTML and XML pieces shared by the replica sites: page shell, story blocks, feeds, sitemaps."""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from replica.catalog import ReplicaArticle


def page(*, title: str, body: str, lang: str = "ar", head: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def article_head(article: ReplicaArticle, url: str, site_name: str, *, dated: bool = True) -> str:
    """Metadata as real news sites publish it: OpenGraph, article:published_time, JSON-LD. Pages from
    older templates (dated=False) declare no date: only the page text (or the URL) gives it."""
    meta = [
        f'<link rel="canonical" href="{escape(url)}">',
        f'<meta property="og:title" content="{escape(article.title)}">',
        f'<meta property="og:site_name" content="{escape(site_name)}">',
        f'<meta property="og:url" content="{escape(url)}">',
    ]
    if dated:
        meta.append(
            f'<meta property="article:published_time" content="{article.published.isoformat()}">'
        )
        if article.modified:
            meta.append(
                f'<meta property="article:modified_time" content="{article.modified.isoformat()}">'
            )
    if article.author:
        meta.append(f'<meta name="author" content="{escape(article.author)}">')
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "inLanguage": "ar",
        "mainEntityOfPage": url,
        "publisher": {"@type": "Organization", "name": site_name},
    }
    if dated:
        data["datePublished"] = article.published.isoformat()
        if article.modified:
            data["dateModified"] = article.modified.isoformat()
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author}
    meta.append(
        '<script type="application/ld+json">'
        + json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        + "</script>"
    )
    return "\n".join(meta) + "\n"


def story(article: ReplicaArticle, *, heading: str = "h2") -> str:
    """The story blocks; a quote is an embedded tweet (statement, then the attribution line)."""
    out = []
    for block in article.blocks:
        text = escape(block.text)
        if block.kind == "h2":
            out.append(f"<{heading}>{text}</{heading}>")
        elif block.kind == "quote":
            statement, _, attribution = block.text.partition("\n")
            out.append(
                '<blockquote class="twitter-tweet" lang="ar" dir="rtl">'
                f"<p>{escape(statement)}</p>{escape(attribution)}</blockquote>"
            )
        else:
            out.append(f"<p>{text}</p>")
    return "\n".join(out)


def link_list(urls_titles: list[tuple[str, str]], css: str = "") -> str:
    items = "".join(f'<li><a href="{escape(u)}">{escape(t)}</a></li>' for u, t in urls_titles)
    return f'<ul class="{css}">{items}</ul>'


def rss(*, title: str, link: str, items: list[tuple[str, str, datetime]]) -> str:
    entries = "".join(
        f"<item><title>{xml_escape(t)}</title><link>{xml_escape(u)}</link>"
        f"<guid>{xml_escape(u)}</guid><pubDate>{d.strftime('%a, %d %b %Y %H:%M:%S %z')}</pubDate></item>"
        for u, t, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{xml_escape(title)}</title><link>{xml_escape(link)}</link>{entries}</channel></rss>\n"
    )


def sitemap_index(sitemaps: list[tuple[str, datetime]]) -> str:
    entries = "".join(
        f"<sitemap><loc>{xml_escape(u)}</loc><lastmod>{d.isoformat()}</lastmod></sitemap>"
        for u, d in sitemaps
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>\n'
    )


def urlset(items: list[tuple[str, str, datetime]], *, news_name: str | None = None) -> str:
    """A sitemap; with news_name, a Google News sitemap (publication name, date, title)."""
    entries = []
    for url, title, date in items:
        news = ""
        if news_name:
            news = (
                "<news:news><news:publication><news:name>"
                f"{xml_escape(news_name)}</news:name><news:language>ar</news:language>"
                f"</news:publication><news:publication_date>{date.isoformat()}"
                f"</news:publication_date><news:title>{xml_escape(title)}</news:title></news:news>"
            )
        entries.append(
            f"<url><loc>{xml_escape(url)}</loc><lastmod>{date.isoformat()}</lastmod>{news}</url>"
        )
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news_name else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{"".join(entries)}</urlset>\n'
    )


def section_page(
    *, site_name: str, heading: str, links: list[tuple[str, str]], next_url: str | None
) -> str:
    nav = f'<a rel="next" href="{escape(next_url)}">التالي</a>' if next_url else ""
    head = f'<link rel="next" href="{escape(next_url)}">\n' if next_url else ""
    body = (
        f'<header><a href="/">{escape(site_name)}</a></header>\n<main><h1>{escape(heading)}</h1>\n'
        f'{link_list(links, "section-list")}\n<nav class="pagination">{nav}</nav></main>'
    )
    return page(title=f"{heading} - {site_name}", body=body, head=head)
