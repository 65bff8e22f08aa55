"""Orient News: title repeated, comment count «التعليقات (0)», «الأكثر قراءة», topic boxes."""

from html import escape
from urllib.parse import quote

from replica import datelines, markup
from replica.catalog import headlines
from replica.sites.base import Site

SITEMAP_CHUNK = 500
FEED_ITEMS = 20


class Orient(Site):
    outlet = "orient"
    name = "أورينت نت"
    base = "https://www.orient-news.net"
    aliases = ("orient-news.net",)
    section_path = "/ar/news_category/1"

    def date_line(self, article):
        return datelines.orient(self.local_published(article))

    def url(self, article):
        slug = quote("-".join(article.title.replace('"', "").split()[:6]))
        return f"{self.base}/ar/news_show/{article.key}/0/{slug}"

    def sitemap_urls(self):
        return [f"{self.base}/sitemap.xml"]

    def documents(self):
        items = self.items()
        chunks = [items[i : i + SITEMAP_CHUNK] for i in range(0, len(items), SITEMAP_CHUNK)]
        docs = {
            "/sitemap.xml": (
                "application/xml",
                markup.sitemap_index(
                    [
                        (f"{self.base}/sitemaps/news-{n}.xml", c[0][2])
                        for n, c in enumerate(chunks, 1)
                    ]
                ),
            )
        }
        for n, chunk in enumerate(chunks, 1):
            docs[f"/sitemaps/news-{n}.xml"] = ("application/xml", markup.urlset(chunk))
        # the WordPress-style feed the live site announced (outlets.toml)
        docs["/feed/"] = (
            "application/rss+xml",
            markup.rss(title=self.name, link=self.base, items=items[:FEED_ITEMS]),
        )
        return docs

    def article_html(self, a):
        most_read = markup.link_list([("#", t) for t in headlines(self.catalog, a)[:4]], "list")
        body = f"""
<nav class="navbar"><a href="/">أورينت نت</a> <a href="/ar/news_category/1">أخبار</a></nav>
<div class="page-content">
<h1 class="article-title">{escape(a.title)}</h1>
<div class="article-date">{escape(self.date_line(a))}</div>
<article class="news-details">
<div class="details-image">{self.theme.img(a.key)}</div>
<h2 class="details-title">{escape(a.title)}</h2>
<div class="details-text">
{markup.story(a, heading="h3")}
</div>
</article>
<section class="comments-box"><h4>التعليقات (0)</h4><div class="count">0</div></section>
<section class="most-read"><h4>الأكثر قراءة</h4>{most_read}</section>
<section class="top-topics"><h4>💡 أهم المواضيع</h4></section>
<section class="top-categories"><h4>✨ أهم التصنيفات</h4></section>
</div>"""
        # the canonical URL stays the one the story first had when its headline (and slug) is updated
        head = markup.article_head(a, self.first_url(a), self.name, dated=self.structured_date(a))
        head += self.theme.head()
        return markup.page(title=f"{a.title} - {self.name}", body=body, head=head)
