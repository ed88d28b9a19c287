"""Demo content for Newsroom: a fictional foundation, its members, people and a dozen posts.

Every word and picture here is made by the project (pictures are drawn with Pillow). The
loader is idempotent: objects are found by slug (or title, for images) and only created when
missing, so running it again changes nothing.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from home.models import HomePage, MenuPages, NavigationMenuItem, NavigationSettings
from news.models import NewsIndexPage, NewsPage, NewsPageAuthor
from news.snippets import NewsCategory, Organisation, Person

# The foundation's own (fictional) website: the external link of the demo menu.
FOUNDATION_SITE = "https://openlattice.example/"

# --- Organisations and people ---------------------------------------------------------------

ORGANISATIONS = [
    {
        "slug": "open-lattice-foundation",
        "name": "Open Lattice Foundation",
        "website": "https://openlattice.example",
        "membership_level": "none",
        "colour": (34, 87, 122),
        "boilerplate": "<p>The Open Lattice Foundation is a vendor-neutral home for the Lattice "
        "distributed data toolkit and the projects around it. It funds maintainers, runs shared "
        "infrastructure and hosts the yearly Lattice Summit, so that companies large and small "
        "can build on open code together.</p>",
        "legal_notice": "<p>Lattice and the lattice logo are trademarks of the Open Lattice "
        "Foundation. Other names may be trademarks of their respective owners.</p>",
    },
    {
        "slug": "commons-software-alliance",
        "name": "Commons Software Alliance",
        "website": "https://commons-alliance.example",
        "membership_level": "none",
        "colour": (90, 60, 140),
        "boilerplate": "<p>The Commons Software Alliance is a non-profit umbrella for open "
        "source foundations. It provides legal, financial and event services so that each "
        "foundation can focus on its community.</p>",
    },
    {
        "slug": "northwind-systems",
        "name": "Northwind Systems",
        "website": "https://northwind.example",
        "membership_level": "premier",
        "colour": (200, 72, 44),
        "boilerplate": "<p>Northwind Systems makes storage and streaming software for "
        "logistics networks. Its engineers have contributed to Lattice since its first public "
        "release, and its platform moves parcels for more than two thousand carriers.</p>",
    },
    {
        "slug": "meridian-cloud",
        "name": "Meridian Cloud",
        "website": "https://meridian.example",
        "membership_level": "premier",
        "colour": (20, 140, 110),
        "boilerplate": "<p>Meridian Cloud runs managed data services in eleven regions. It "
        "offers hosted Lattice clusters and sponsors the project's continuous integration "
        "fleet.</p>",
    },
    {
        "slug": "copperleaf-labs",
        "name": "Copperleaf Labs",
        "website": "https://copperleaf.example",
        "membership_level": "general",
        "colour": (176, 110, 40),
        "boilerplate": "<p>Copperleaf Labs is a research consultancy that helps public "
        "agencies adopt open data tools. It maintains the Lattice notebook integration.</p>",
    },
    {
        "slug": "bluefin-data",
        "name": "Bluefin Data",
        "website": "https://bluefin.example",
        "membership_level": "associate",
        "colour": (30, 100, 190),
        "boilerplate": "<p>Bluefin Data is a cooperative of marine scientists who share ocean "
        "sensor data under open licences.</p>",
    },
]

PEOPLE = [
    ("maya-okafor", "Maya Okafor", "Executive Director", "open-lattice-foundation",
     "<p>Maya has led the Open Lattice Foundation since 2023. Before that she ran developer "
     "relations for a public research network and served on two open source boards.</p>"),
    ("tomas-herrera", "Tomás Herrera", "Community Lead", "open-lattice-foundation",
     "<p>Tomás looks after the Lattice contributor community, the mentorship programme and "
     "the Summit's volunteer crew.</p>"),
    ("jonas-lindqvist", "Jonas Lindqvist", "Chief Technology Officer", "northwind-systems",
     "<p>Jonas oversees Northwind's platform engineering and its open source office.</p>"),
    ("priya-raman", "Priya Raman", "Vice President, Open Source", "northwind-systems",
     "<p>Priya leads Northwind's upstream work and will represent the company on the "
     "foundation's governing board. She has maintained Lattice's storage layer since 2021.</p>"),
    ("lena-voss", "Lena Voss", "Head of Engineering", "copperleaf-labs",
     "<p>Lena builds data tools for public agencies and maintains the notebook "
     "integration.</p>"),
    ("samuel-adeyemi", "Samuel Adeyemi", "Developer Advocate", "meridian-cloud",
     "<p>Samuel writes tutorials and speaks at meetups about running Lattice in "
     "production.</p>"),
]  # fmt: skip

# --- Posts ----------------------------------------------------------------------------------
# Body entries are compact tuples turned into StreamField data by ``_body``.

PRESS_RELEASE_SLUG = "northwind-systems-joins-as-premier-member"

POSTS = [
    {
        "slug": PRESS_RELEASE_SLUG,
        "title": "Northwind Systems joins the Open Lattice Foundation as a premier member",
        "subtitle": "The logistics software maker takes a seat on the governing board",
        "category": "member-news",
        "tags": ["membership", "governance"],
        "authors": [],
        "byline": "The Foundation team",
        "date": (2026, 10, 14),
        "summary": "Northwind Systems, a long-time Lattice contributor, becomes a premier "
        "member and will help steer the project's storage roadmap.",
        "feature": "Northwind joins",
        "body": [
            ("img", "logo:northwind-systems", "Northwind Systems logo", "", "", "right", 250),
            ("p", "<p><b>14 October 2026</b> — The Open Lattice Foundation today announced that "
             "Northwind Systems has joined as a premier member. Northwind engineers have "
             "contributed to Lattice since its first public release, and the company runs one "
             "of the largest Lattice deployments in the logistics industry.</p>"),
            ("p", "<p>As a premier member, Northwind takes a seat on the governing board and "
             "will fund a full-time maintainer for the storage layer for the next two "
             "years.</p>"),
            ("quote", "Lattice carries every parcel event in our network. Joining the "
             "foundation is how we make sure the project stays healthy for everyone who "
             "depends on it, not just for us.", "jonas-lindqvist"),
            ("p", "<p>The membership also brings Northwind's compaction benchmarks into the "
             "project's public test suite, so that performance regressions are caught before "
             "a release rather than after.</p>"),
            ("quote", "Northwind has been a generous upstream citizen for years. We are "
             "delighted to welcome them to the board and to have their storage expertise "
             "guiding the roadmap.", "maya-okafor"),
            ("bio", "priya-raman", "Northwind's board representative"),
            ("about", "northwind-systems"),
            ("about", "open-lattice-foundation"),
            ("about", "commons-software-alliance"),
        ],
    },
    {
        "slug": "lattice-3-0-released",
        "title": "Lattice 3.0 is out",
        "subtitle": "Faster compaction, a new query planner and a smaller footprint",
        "category": "release",
        "tags": ["release", "lattice-3"],
        "authors": ["tomas-herrera"],
        "date": (2026, 9, 30),
        "summary": "Lattice 3.0 brings a rewritten query planner, compaction that is up to "
        "40% faster, and packages for two new platforms.",
        "feature": "Lattice 3.0",
        "body": [
            ("p", "<p>After eleven months of work by 214 contributors, Lattice 3.0 is "
             "available today. This is the first major release since the project moved to "
             "the foundation.</p>"),
            ("h", "What is new", "h2"),
            ("p", "<ul><li>A cost-based query planner that chooses join orders from live "
             "statistics.</li><li>Incremental compaction, up to 40% faster on mixed "
             "workloads.</li><li>Official packages for ARM servers and RISC-V boards.</li></ul>"),
            ("h", "Upgrading", "h2"),
            ("p", "<p>Clusters on 2.9 can upgrade node by node. Back up your metadata first, "
             "then run:</p>"),
            ("code", "bash", "lattice admin backup --out metadata.tar\nlattice upgrade --to 3.0 "
             "--rolling"),
            ("table", "Benchmark results (median of five runs)",
             [["Workload", "2.9", "3.0"], ["Ingest, events/s", "410,000", "486,000"],
              ["Compaction, minutes", "38", "23"], ["Point query p99, ms", "4.1", "2.7"]]),
            ("cta", "Read the upgrade guide", "https://docs.openlattice.example/upgrade/3.0"),
        ],
    },
    {
        "slug": "meridian-cloud-joins-as-premier-member",
        "title": "Meridian Cloud becomes a premier member",
        "category": "member-news",
        "tags": ["membership"],
        "authors": [],
        "byline": "The Foundation team",
        "date": (2026, 8, 19),
        "summary": "Meridian Cloud, which hosts managed Lattice clusters in eleven regions, "
        "joins the foundation at the premier level.",
        "feature": "Meridian joins",
        "body": [
            ("img", "logo:meridian-cloud", "Meridian Cloud logo", "", "", "right", 220),
            ("p", "<p>Meridian Cloud has joined the Open Lattice Foundation as a premier "
             "member. The company already donates the build machines behind the project's "
             "continuous integration, and will now also fund security audits.</p>"),
            ("quote_free", "Our customers run Lattice because it is open. Supporting the "
             "people who maintain it is simply part of running a responsible business.",
             "Ines Carvalho", "Chief Executive", "Meridian Cloud"),
            ("quote", "Independent audits were the top request in our last community survey. "
             "Meridian's support makes them a regular part of the release cycle.",
             "maya-okafor"),
            ("about", "meridian-cloud"),
            ("about", "open-lattice-foundation"),
        ],
    },
    {
        "slug": "community-survey-2026-results",
        "title": "What we learned from the 2026 community survey",
        "category": "community",
        "tags": ["survey", "community"],
        "authors": ["tomas-herrera"],
        "date": (2026, 7, 2),
        "summary": "More than 1,800 people answered this year's survey. Documentation and "
        "upgrade tooling top the wish list.",
        "feature": "Survey 2026",
        "body": [
            ("p", "<p>Thank you to the 1,846 people who answered this year's community "
             "survey. Here is what you told us, and what we will do about it.</p>"),
            ("img", "feature:Survey 2026", "A bar chart of survey answers", "Answers by "
             "region", "Foundation staff", "full", None),
            ("table", "Top requests", [["Request", "Share of answers"],
                                       ["Better documentation", "61%"],
                                       ["Easier upgrades", "48%"],
                                       ["Security audits", "35%"]]),
            ("p", "<p>We have already started on the first two: see the <i>documentation "
             "sprint</i> and the new upgrade guide.</p>"),
        ],
    },
    {
        "slug": "bluefin-data-case-study",
        "title": "Case study: how Bluefin Data shares ocean sensor data with Lattice",
        "category": "case-study",
        "tags": ["case-study", "science"],
        "authors": ["samuel-adeyemi"],
        "date": (2026, 6, 11),
        "summary": "A cooperative of marine scientists replaced nightly file dumps with a "
        "shared Lattice cluster and cut the time to publish readings from a day to minutes.",
        "feature": "Bluefin case study",
        "body": [
            ("img", "logo:bluefin-data", "Bluefin Data logo", "", "", "left", 180),
            ("p", "<p>Bluefin Data collects readings from buoys in three oceans. Until last "
             "year, member institutes exchanged them as nightly archives.</p>"),
            ("h", "The challenge", "h2"),
            ("p", "<p>Researchers waited up to a day for new readings and often worked from "
             "different versions of the same data set.</p>"),
            ("h", "The result", "h2"),
            ("quote_free", "Readings now reach every partner within minutes, and everyone "
             "queries the same numbers.", "Aiko Tanaka", "Data Steward", "Bluefin Data"),
            ("about", "bluefin-data"),
        ],
    },
    {
        "slug": "inside-the-new-query-planner",
        "title": "Inside the new query planner",
        "subtitle": "How Lattice 3.0 chooses join orders",
        "category": "technical",
        "tags": ["lattice-3", "internals"],
        "authors": ["priya-raman", "lena-voss"],
        "date": (2026, 10, 2),
        "summary": "A tour of the cost model, the statistics it reads and how to inspect its "
        "decisions with EXPLAIN.",
        "feature": "Query planner",
        "body": [
            ("p", "<p>The 2.x planner applied joins in the order they were written. 3.0 "
             "estimates the cost of each order from column statistics and picks the "
             "cheapest.</p>"),
            ("h", "Reading a plan", "h2"),
            ("code", "sql", "EXPLAIN SELECT carrier, count(*)\nFROM parcels JOIN routes USING "
             "(route_id)\nGROUP BY carrier;"),
            ("h", "Statistics", "h3"),
            ("p", "<p>Statistics are refreshed during compaction, so they cost nothing "
             "extra.</p>"),
            ("code", "python", "from lattice import Client\n\nclient = Client()\nprint(client."
             "explain('SELECT 1'))"),
            ("bio", "lena-voss", "About the author"),
        ],
    },
    {
        "slug": "call-for-speakers-lattice-summit-2027",
        "title": "Call for speakers: Lattice Summit 2027",
        "category": "announcement",
        "tags": ["summit", "events"],
        "authors": ["tomas-herrera"],
        "date": (2026, 11, 3),
        "summary": "Talk proposals for the 2027 Summit are open until 15 January. First-time "
        "speakers are especially welcome.",
        "feature": "Summit 2027",
        "body": [
            ("p", "<p>The Lattice Summit returns next May. We are looking for talks about "
             "running Lattice, extending it, and building communities around it.</p>"),
            ("embed", "https://www.youtube.com/watch?v=aqz-KE-bpKQ", "Highlights from last "
             "year's Summit"),
            ("cta", "Submit a proposal", "https://summit.openlattice.example/cfp"),
        ],
    },
    {
        "slug": "copperleaf-labs-joins-as-general-member",
        "title": "Copperleaf Labs joins as a general member",
        "category": "member-news",
        "tags": ["membership"],
        "authors": [],
        "byline": "The Foundation team",
        "date": (2026, 5, 20),
        "summary": "Copperleaf Labs, maintainer of the Lattice notebook integration, joins "
        "the foundation.",
        "feature": "Copperleaf joins",
        "body": [
            ("img", "logo:copperleaf-labs", "Copperleaf Labs logo", "", "", "right", 200),
            ("p", "<p>Copperleaf Labs has joined the foundation as a general member.</p>"),
            ("quote", "Public agencies need tools they can inspect and keep. Lattice is one, "
             "and we want to help it thrive.", "lena-voss"),
            ("about", "copperleaf-labs"),
            ("about", "open-lattice-foundation"),
        ],
    },
    {
        "slug": "security-release-2-9-4",
        "title": "Security release: Lattice 2.9.4",
        "category": "release",
        "tags": ["release", "security"],
        "authors": [],
        "byline": "Lattice security team",
        "date": (2026, 4, 8),
        "summary": "Lattice 2.9.4 fixes a denial-of-service issue in the HTTP ingest "
        "endpoint. Upgrade if you expose ingest to untrusted clients.",
        "feature": "Security 2.9.4",
        "body": [
            ("p", "<p>A crafted chunked request could make the ingest endpoint allocate "
             "memory without limit. 2.9.4 caps request sizes.</p>"),
            ("code", "bash", "lattice --version  # should print 2.9.4"),
            ("cta", "Read the advisory", "https://security.openlattice.example/2026-01"),
        ],
    },
    {
        "slug": "mentorship-programme-2027",
        "title": "Mentorship programme opens for 2027",
        "category": "community",
        "tags": ["mentorship", "community"],
        "authors": ["tomas-herrera"],
        "date": (2026, 9, 9),
        "summary": "Twelve paid mentorships for newcomers to open source, with mentors from "
        "five member companies.",
        "feature": "Mentorship",
        "body": [
            ("p", "<p>The mentorship programme pairs newcomers with maintainers for twelve "
             "weeks of paid work on real issues.</p>"),
            ("bio", "tomas-herrera", "Programme coordinator"),
            ("cta", "Apply now", "https://mentorship.openlattice.example"),
        ],
    },
    {
        "slug": "governing-board-elects-new-chair",
        "title": "Governing board elects a new chair",
        "category": "announcement",
        "tags": ["governance"],
        "authors": [],
        "byline": "The Foundation team",
        "date": (2026, 3, 17),
        "summary": "Priya Raman of Northwind Systems will chair the governing board for the "
        "next two years.",
        "feature": "Board chair",
        "body": [
            ("p", "<p>The governing board has elected Priya Raman as its chair.</p>"),
            ("quote", "The board's job is to keep Lattice open, safe and well funded. I look "
             "forward to working with every member on that.", "priya-raman"),
            ("bio", "priya-raman", ""),
            ("about", "open-lattice-foundation"),
        ],
    },
    {
        "slug": "summit-2026-keynotes-online",
        "title": "Watch the 2026 Summit keynotes",
        "category": "community",
        "tags": ["summit", "video"],
        "authors": ["samuel-adeyemi"],
        "date": (2026, 6, 28),
        "summary": "Recordings of all four keynotes are now online, with captions.",
        "feature": "Keynotes",
        "body": [
            ("p", "<p>All four keynotes from this year's Summit are online, with captions in "
             "six languages.</p>"),
            ("embed", "https://vimeo.com/76979871", "Opening keynote"),
            ("p", "<p>Slides are linked under each video.</p>"),
        ],
    },
    {
        "slug": "documentation-sprint-wrap-up",
        "title": "Documentation sprint: 140 pages improved in a week",
        "category": "community",
        "tags": ["documentation", "community"],
        "authors": ["tomas-herrera", "samuel-adeyemi"],
        "date": (2026, 8, 1),
        "summary": "Sixty-three volunteers rewrote tutorials, fixed examples and filled gaps "
        "in the reference during our first documentation sprint.",
        "feature": "Docs sprint",
        "body": [
            ("p", "<p>Our first documentation sprint closed with 212 merged changes.</p>"),
            ("table", "Sprint in numbers", [["What", "Count"], ["Volunteers", "63"],
                                            ["Merged changes", "212"], ["Pages improved", "140"]]),
            ("quote_free", "I came to fix one typo and stayed the whole week.", "Rafael Moreau",
             "Volunteer", ""),
        ],
    },
]  # fmt: skip


# --- Pictures -------------------------------------------------------------------------------


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split()[:2]).upper()


def _png(image: PILImage.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def draw_logo(name: str, colour: tuple[int, int, int]) -> bytes:
    image = PILImage.new("RGB", (480, 240), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((20, 40, 180, 200), radius=36, fill=colour)
    draw.text((100, 120), _initials(name), fill="white", font=_font(72), anchor="mm")
    draw.text((200, 120), name.split()[0], fill=colour, font=_font(44), anchor="lm")
    return _png(image)


def draw_headshot(name: str, colour: tuple[int, int, int]) -> bytes:
    image = PILImage.new("RGB", (400, 400), tuple(min(255, c + 150) for c in colour))
    draw = ImageDraw.Draw(image)
    draw.ellipse((120, 60, 280, 220), fill=colour)
    draw.rounded_rectangle((70, 240, 330, 420), radius=90, fill=colour)
    draw.text((200, 140), _initials(name), fill="white", font=_font(64), anchor="mm")
    return _png(image)


def draw_feature(title: str, seed: int) -> bytes:
    palette = [(34, 87, 122), (200, 72, 44), (20, 140, 110), (176, 110, 40), (90, 60, 140)]
    base = palette[seed % len(palette)]
    image = PILImage.new("RGB", (1600, 900), base)
    draw = ImageDraw.Draw(image)
    for i in range(9):
        x = (seed * 97 + i * 211) % 1600
        y = (seed * 53 + i * 137) % 900
        r = 80 + (i * 37 + seed * 11) % 220
        shade = tuple(min(255, c + 25 + i * 12) for c in base)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    draw.text((80, 780), title, fill="white", font=_font(72), anchor="ls")
    return _png(image)


# --- Loader ---------------------------------------------------------------------------------


class DemoLoader:
    """Creates whatever part of the demo is missing; reports what it created."""

    def __init__(self, stdout=None) -> None:
        self.stdout = stdout
        self.created: list[str] = []

    def log(self, message: str) -> None:
        self.created.append(message)
        if self.stdout is not None:
            self.stdout.write(message)

    @transaction.atomic
    def run(self) -> list[str]:
        home, news_index = self.site_tree()
        organisations = {spec["slug"]: self.organisation(spec) for spec in ORGANISATIONS}
        people = {row[0]: self.person(row, organisations) for row in PEOPLE}
        for position, spec in enumerate(POSTS):
            self.post(news_index, spec, position, people, organisations)
        self.navigation(home, news_index)
        return self.created

    # Images
    def image(self, title: str, draw, description: str = ""):
        image_model = get_image_model()
        existing = image_model.objects.filter(title=title).first()
        if existing is not None:
            return existing
        image = image_model(title=title, description=description)
        filename = title.lower().replace(" ", "-").replace(".", "-") + ".png"
        image.file = ImageFile(io.BytesIO(draw()), name=filename)
        image.save()
        self.log(f"image: {title}")
        return image

    # Tree
    def site_tree(self) -> tuple[HomePage, NewsIndexPage]:
        root = Page.get_first_root_node()
        home = HomePage.objects.first()
        if home is None:
            home = HomePage(
                title="Open Lattice Foundation",
                slug="home",
                tagline="News from the Open Lattice Foundation",
            )
            # The starter "Welcome" page of a fresh Wagtail holds the slug "home".
            # (url_path too: a queryset update does not recompute it, and two live pages
            # with the url_path "/home/" would make lookups by path ambiguous.)
            welcome_slug = f"welcome-{uuid.uuid4().hex[:6]}"
            Page.objects.filter(depth=2, slug="home", content_type__model="page").update(
                slug=welcome_slug, url_path=f"/{welcome_slug}/"
            )
            root.add_child(instance=home)
            home.save_revision().publish()
            self.log("page: home")
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost", port=80, root_page=home, is_default_site=True,
                site_name="Open Lattice Foundation",
            )  # fmt: skip
            self.log("site: default")
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = "Open Lattice Foundation"
            site.save()
            self.log("site: root set to home")
        news_index = NewsIndexPage.objects.child_of(home).first()
        if news_index is None:
            news_index = NewsIndexPage(
                title="News",
                slug="news",
                intro="<p>Announcements, releases and stories.</p>",
                show_in_menus=True,
            )
            home.add_child(instance=news_index)
            news_index.save_revision().publish()
            self.log("page: news index")
        return home, news_index

    # Navigation (Settings → Navigation; served by GET /api/v3/site/)
    def navigation(self, home: HomePage, news_index: NewsIndexPage) -> None:
        """The menu: "News" (the index, "Show in menus" ticked), then the foundation's site.

        Left alone once the site's navigation has menu items (an editor's menu is kept).
        """
        site = Site.objects.filter(root_page=home).order_by("-is_default_site", "pk").first()
        if site is None:
            return
        setting = NavigationSettings.objects.filter(site=site).first()
        if setting is not None and setting.menu_items.exists():
            return
        if not news_index.show_in_menus:
            news_index.show_in_menus = True
            news_index.save_revision().publish()
            self.log("page: news index shown in menus")
        setting = setting or NavigationSettings(site=site)
        setting.menu_pages = MenuPages.BEFORE
        setting.menu_items = [
            NavigationMenuItem(link_url=FOUNDATION_SITE, label="The foundation"),
        ]
        setting.save()
        self.log("navigation: News, The foundation")

    # Snippets
    def organisation(self, spec: dict) -> Organisation:
        org = Organisation.objects.filter(slug=spec["slug"]).first()
        if org is not None:
            return org
        logo = self.image(
            f"{spec['name']} logo",
            lambda: draw_logo(spec["name"], spec["colour"]),
            description=f"{spec['name']} logo",
        )
        org = Organisation(
            name=spec["name"],
            slug=spec["slug"],
            website=spec["website"],
            membership_level=spec["membership_level"],
            boilerplate=spec["boilerplate"],
            legal_notice=spec.get("legal_notice", ""),
            logo=logo,
        )
        org.save()
        org.save_revision().publish()
        self.log(f"organisation: {org.name}")
        return org

    def person(self, row: tuple, organisations: dict[str, Organisation]) -> Person:
        slug, name, role, org_slug, bio = row
        person = Person.objects.filter(slug=slug).first()
        if person is not None:
            return person
        organisation = organisations[org_slug]
        colour = next(o["colour"] for o in ORGANISATIONS if o["slug"] == org_slug)
        headshot = self.image(
            f"{name} headshot",
            lambda: draw_headshot(name, colour),
            description=f"Portrait illustration of {name}",
        )
        person = Person(
            name=name, slug=slug, role=role, organisation=organisation, headshot=headshot, bio=bio
        )
        person.save()
        person.save_revision().publish()
        self.log(f"person: {name}")
        return person

    # Posts
    def post(self, news_index, spec: dict, position: int, people, organisations) -> None:
        if NewsPage.objects.filter(slug=spec["slug"]).exists():
            return
        feature = self.image(
            spec["feature"],
            lambda: draw_feature(spec["feature"], position),
            description=f"Illustration: {spec['feature']}",
        )
        year, month, day = spec["date"]
        page = NewsPage(
            title=spec["title"],
            slug=spec["slug"],
            subtitle=spec.get("subtitle", ""),
            date=datetime(year, month, day, 9, 0, tzinfo=UTC),
            byline=spec.get("byline", ""),
            summary=spec["summary"],
            feature_image=feature,
            category=NewsCategory.objects.get(slug=spec["category"]),
            body=self._body(spec["body"], people, organisations),
        )
        page.authors = [NewsPageAuthor(person=people[slug]) for slug in spec["authors"]]
        page.tags.add(*spec["tags"])
        news_index.add_child(instance=page)
        page.save_revision().publish()
        self.log(f"post: {page.title}")

    def _body(self, entries: list[tuple], people, organisations) -> list[dict]:
        blocks = []
        for entry in entries:
            kind, *args = entry
            if kind == "p":
                blocks.append(("paragraph", args[0]))
            elif kind == "h":
                blocks.append(("heading", {"text": args[0], "level": args[1], "anchor": ""}))
            elif kind == "img":
                key, alt, caption, credit, alignment, max_width = args
                source, _, name = key.partition(":")
                if source == "logo":
                    image = organisations[name].logo
                else:
                    image = get_image_model().objects.get(title=name)
                blocks.append(
                    (
                        "image",
                        {
                            "image": image.pk,
                            "alt_text": alt,
                            "caption": caption,
                            "credit": credit,
                            "alignment": alignment,
                            "max_width": max_width,
                        },
                    )
                )
            elif kind == "quote":
                blocks.append(("quote", {"text": args[0], "person": people[args[1]].pk}))
            elif kind == "quote_free":
                text, name, role, org = args
                blocks.append(
                    (
                        "quote",
                        {
                            "text": text,
                            "person": None,
                            "attribution_name": name,
                            "attribution_role": role,
                            "attribution_organisation": org,
                        },
                    )
                )
            elif kind == "bio":
                blocks.append(("bio", {"person": people[args[0]].pk, "heading": args[1]}))
            elif kind == "about":
                blocks.append(
                    (
                        "boilerplate",
                        {"organisation": organisations[args[0]].pk, "boilerplate_override": ""},
                    )
                )
            elif kind == "cta":
                blocks.append(("call_to_action", {"label": args[0], "page": None, "url": args[1]}))
            elif kind == "embed":
                blocks.append(("embed", {"url": args[0], "title": args[1], "caption": ""}))
            elif kind == "code":
                blocks.append(("code", {"language": args[0], "code": args[1]}))
            elif kind == "table":
                caption, rows = args
                blocks.append(
                    (
                        "table",
                        {
                            "data": rows,
                            "table_header_choice": "row",
                            "first_row_is_table_header": True,
                            "first_col_is_header": False,
                            "table_caption": caption,
                        },
                    )
                )
        return [
            {"type": block_type, "value": value, "id": str(uuid.uuid4())}
            for block_type, value in blocks
        ]
