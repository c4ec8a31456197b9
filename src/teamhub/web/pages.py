"""The page itself, and each live section on its own so a change can be shown without a reload."""

from __future__ import annotations

from tornado import web

from teamhub.web import sections
from teamhub.web.base import PageHandler
from teamhub.web.sections import Section, View


class TeamPage(PageHandler):
    """/services/team/: every section this member may see."""

    def view(self) -> View:
        return View(tf=self.team_file(), member=self.member, admin=self.is_admin, jobs=self.site.jobs)

    def render_section(self, section: Section, view: View) -> str:
        return self.render_template(section.template, **section.context(view))

    @web.authenticated
    async def get(self) -> None:
        self.require_member()
        view = self.view()
        shown = sections.visible(view.admin)
        bodies = {section.name: self.render_section(section, view) for section in shown}
        self.set_header("Cache-Control", "no-store")
        self.finish(
            self.render_template(
                "team.html",
                sections=shown,
                bodies=bodies,
                version=self.site.version(),
                team_name=view.tf.team.hub.name,
                envs_for_forms=list(view.tf.team.envs),
                projects_for_forms=list(view.tf.team.projects),
                users_for_forms=list(view.tf.team.users),
            )
        )


class Fragment(TeamPage):
    """/services/team/fragment/NAME: one section's live part, as HTML."""

    @web.authenticated
    async def get(self, name: str) -> None:  # type: ignore[override]
        section = sections.find(name)
        if section is None:
            raise web.HTTPError(404, f"there is no section {name!r}")
        if section.admin_only:
            self.require_admin()
        else:
            self.require_member()
        self.set_header("Cache-Control", "no-store")
        self.finish(self.render_section(section, self.view()))


def routes(prefix: str) -> list[tuple[str, type]]:
    return [(prefix, TeamPage), (prefix + r"fragment/([a-z0-9-]+)", Fragment)]
