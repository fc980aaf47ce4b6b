"""Atom feed of progress updates (django.contrib.syndication)."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from . import selectors


class ProgressUpdateFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return _("Avancement du plan d'action en gouvernement ouvert")

    def subtitle(self):
        return _("Les derniers comptes rendus d'avancement des jalons du plan d'action.")

    def link(self):
        return reverse("plan:overview")

    def items(self):
        return selectors.progress_update_list(limit=50)

    def item_title(self, item):
        demo = f" [{_('donnée de démonstration')}]" if item.is_demo else ""
        return _("Jalon %(number)s — %(status)s") % {
            "number": item.milestone.number, "status": item.get_status_after_display()} + demo

    def item_description(self, item):
        return item.text

    def item_link(self, item):
        return reverse("plan:milestone", kwargs={"plan_slug": item.milestone.plan.slug,
                                                 "number": item.milestone.number}) + f"#maj-{item.pk}"

    def item_guid(self, item):
        return f"ouvert-plan-update-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.created_at

    def item_author_name(self, item):
        return item.author_label
