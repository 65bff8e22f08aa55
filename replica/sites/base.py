"""What every replica site has: hosts, article URLs, robots.txt, section pages with rel=next."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from replica import datelines, markup
from replica.assets import THEMES, Theme
from replica.catalog import Catalog, ReplicaArticle

SECTION_PAGE_SIZE = 40


class Site:
    outlet: str
    name: str
    base: str  # scheme://host of the canonical site
    aliases: tuple[str, ...] = ()  # other host names served the same content
    section_path: str | None = None
    timezone = "Asia/Damascus"  # as in outlets.toml: the zone of the times the site prints
    date_line_has_time = True  # whether the printed date comes with a time of day

    def structured_date(self, article: ReplicaArticle) -> bool:
        """Whether the page declares its date (JSON-LD, article:published_time). Every fifth generated
        story comes from an older template that only prints it: the extractor must read the text."""
        return article.index % 5 != 3

    def date_line(self, article: ReplicaArticle) -> str | None:
        """The date as the page prints it by the headline (None: the page prints none)."""
        return None

    def local_published(self, article: ReplicaArticle) -> datetime:
        return datelines.local(article.published, self.timezone)

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.articles = catalog.articles[self.outlet]
        self._by_path = {urlsplit(self.url(a)).path: a for a in self.articles}
        served = [*self.articles, *catalog.served.get(self.outlet, ())]  # older ones: not listed
        for a in served:  # a revised story is still served at the URL it first had
            self._by_path.setdefault(urlsplit(self.url(a)).path, a)
            self._by_path.setdefault(urlsplit(self.first_url(a)).path, a)
        self._gone = {  # path -> how the story there is gone (404, home, soft404)
            urlsplit(url).path: how
            for a, how in catalog.gone.get(self.outlet, ())
            for url in (self.url(a), self.first_url(a))
        }

    @property
    def theme(self) -> Theme:
        """The stylesheet, script, font and pictures its pages load (replica/assets.py)."""
        return THEMES[self.outlet]

    @property
    def hosts(self) -> tuple[str, ...]:
        return (urlsplit(self.base).hostname or "",) + self.aliases

    def url(self, article: ReplicaArticle) -> str:
        raise NotImplementedError

    def article_html(self, article: ReplicaArticle) -> str:
        raise NotImplementedError

    def first_url(self, article: ReplicaArticle) -> str:
        """The URL the story had when it first went out (its canonical URL after a revision)."""
        if first_title := article.extra.get("first_title"):
            return self.url(replace(article, title=first_title))
        return self.url(article)

    def documents(self) -> dict[str, tuple[str, str]]:
        """Discovery documents by path: (content type, text). Sections are added by the base."""
        return {}

    def robots(self, disallow: list[str] | tuple[str, ...] = ()) -> str:
        lines = [
            "User-agent: *",
            "Disallow: /admin/",
            "Disallow: /search",
            *(f"Disallow: {p}" for p in disallow),
            "",
        ]
        lines += [f"Sitemap: {u}" for u in self.sitemap_urls()]
        return "\n".join(lines) + "\n"

    def sitemap_urls(self) -> list[str]:
        return []

    def article_at(self, path: str) -> ReplicaArticle | None:
        return self._by_path.get(path)

    def gone_at(self, path: str) -> str | None:
        """How the story once at `path` is gone (404, home, soft404), or None."""
        return self._gone.get(path)

    def not_found_html(self) -> str:
        """The site's "page not found" template, served with status 200 (a soft 404)."""
        return markup.page(
            title=f"الصفحة غير موجودة - {self.name}",
            body='<div class="not-found"><h1>عذراً، الصفحة غير موجودة</h1>'
            f'<p>ربما حذفت الصفحة أو تغير عنوانها.</p><a href="{self.base}/">الصفحة الرئيسية</a></div>',
        )

    def section(self, page: int) -> str | None:
        if not self.section_path:
            return None
        chunk = self.articles[(page - 1) * SECTION_PAGE_SIZE : page * SECTION_PAGE_SIZE]
        if not chunk and page > 1:
            return None
        more = page * SECTION_PAGE_SIZE < len(self.articles)
        next_url = f"{self.base}{self.section_path}?page={page + 1}" if more else None
        links = [(self.url(a), a.title) for a in chunk]
        links.append((f"{self.base}/search?q=%D8%AF%D9%88%D9%85%D8%A7", "بحث"))
        return markup.section_page(
            site_name=self.name, heading="أخبار سوريا", links=links, next_url=next_url
        )

    def items(self) -> list[tuple[str, str, object]]:
        return [(self.url(a), a.title, a.published) for a in self.articles]
