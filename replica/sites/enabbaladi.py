"""Enab Baladi (WordPress-like): teaser excerpt, captioned image, categories «أقسام», «أخبار متعلقة»."""

from html import escape

from replica import datelines, markup
from replica.catalog import headlines
from replica.sites.base import Site


class EnabBaladi(Site):
    outlet = "enabbaladi"
    name = "عنب بلدي"
    base = "https://www.enabbaladi.net"
    aliases = ("enabbaladi.net",)
    section_path = "/archives/category/news"

    date_line_has_time = False

    def date_line(self, article):
        return datelines.enabbaladi(self.local_published(article))

    def url(self, article):
        return f"{self.base}/archives/{article.key}"

    def documents(self):
        return {
            "/feed": (
                "application/rss+xml",
                markup.rss(title=self.name, link=self.base, items=self.items()),
            )
        }

    def article_html(self, a):
        url = self.url(a)
        related = markup.link_list(
            [("#", t) for t in headlines(self.catalog, a)[:3]], "related-posts"
        )
        body = f"""
<div id="page"><header class="site-header"><a href="/">عنب بلدي</a></header>
<div class="content-area"><article class="post type-post">
<header class="entry-header"><h1 class="entry-title">{escape(a.title)}</h1>
<span class="posted-on">{escape(self.date_line(a))}</span></header>
<p class="post-excerpt">{escape(a.teaser or "")}</p>
<figure class="wp-caption">{self.theme.img(a.key)}
<figcaption class="wp-caption-text">{escape(a.caption or "")}</figcaption></figure>
<div class="entry-content">
{markup.story(a)}
</div>
<div class="share-box"><span>شارك هذا المقال</span></div>
<footer class="entry-footer"><div class="post-categories"><span>أقسام</span>
<a href="/archives/category/news">أخبار</a></div></footer>
</article>
<section class="related-posts-box"><h3>أخبار متعلقة</h3>{related}</section>
</div></div>"""
        head = markup.article_head(a, url, self.name, dated=self.structured_date(a))
        head += self.theme.head()
        return markup.page(title=f"{a.title} | {self.name}", body=body, head=head)
