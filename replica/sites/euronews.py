"""Euronews Arabic: byline «بقلم:», share widgets, «اعلان», «للمزيد على يورونيوز», «مواضيع إضافية»."""

from html import escape

from replica import datelines, markup
from replica.catalog import headlines
from replica.sites.base import Site


class Euronews(Site):
    outlet = "euronews"
    name = "يورونيوز"
    base = "https://arabic.euronews.com"

    timezone = "Europe/Paris"

    def date_line(self, article):
        """Pages of the older template print no date either: only the URL (/2026/11/20/...) has it."""
        if not self.structured_date(article):
            return None
        return datelines.maghreb(self.local_published(article))

    def url(self, article):
        return f"{self.base}/{article.key}"

    def sitemap_urls(self):
        return [f"{self.base}/sitemaps/ar/latest-news.xml", f"{self.base}/sitemaps/ar/articles.xml"]

    def documents(self):
        items = self.items()
        return {
            "/rss": (
                "application/rss+xml",
                markup.rss(title=self.name, link=self.base, items=items[:50]),
            ),
            "/sitemaps/ar/latest-news.xml": (
                "application/xml",
                markup.urlset(items, news_name="Euronews"),
            ),
            # the site's article sitemap beside the news one (announced in its robots.txt)
            "/sitemaps/ar/articles.xml": ("application/xml", markup.urlset(items)),
        }

    def article_html(self, a):
        url = self.url(a)
        related = list(a.related) or headlines(self.catalog, a)[:2]
        topics = list(a.more_topics) or headlines(self.catalog, a)[2:5]
        line = self.date_line(a)
        date = f'<div class="c-article-date">{escape(line)}</div>' if line else ""
        share = '<div class="c-share"><button>شارك هذا المقال</button><span>محادثة</span></div>'
        body = f"""
<header class="c-header"><a href="/">يورونيوز</a></header>
<main><article class="o-article">
<h1 class="c-article-title">{escape(a.title)}</h1>
<figure class="c-article-media">{self.theme.img(a.key)}</figure>
<div class="c-article-byline">بقلم:  <a href="/profiles/1">{escape(a.author or "")}</a></div>
{date}
{share}
<div class="c-share"><button>شارك هذا المقال</button><button>Close Button</button></div>
<div class="c-share c-share--video">نسخ/لصق رابط فيديو المقال أدناه<button>Copy to clipboard</button><span>Copied</span></div>
<div class="c-article-summary"><p>{escape(a.summary or "")}</p></div>
<div class="c-ad"><span class="c-ad__label">اعلان</span></div>
<div class="c-article-content">
{markup.story(a)}
<p><strong>للمزيد على يورونيوز:</strong></p>
{markup.link_list([("#", t) for t in related], "c-related")}
</div>
{share}
</article>
<section class="c-more-topics"><h3>مواضيع إضافية</h3>
{markup.link_list([("#", t) for t in topics], "")}</section>
</main>"""
        head = markup.article_head(a, url, self.name, dated=self.structured_date(a))
        head += self.theme.head()
        return markup.page(title=f"{a.title} | يورونيوز", body=body, head=head)
