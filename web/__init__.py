"""The web desk: server-rendered pages for representatives and admins, mounted at /desk.

Pages only translate: every query and every action is a function in services/ (the same
ones the chat and the API call). Texts come from the catalogue (locales/*/desk.po), never
from a literal in a template.

How a page registers itself (nothing else to edit):

1. Route — a module `web/pages/<page>.py` with a module-level `routes = web.RouteTableDef()`.
   web/app.py imports every module of web/pages/ and adds its `routes`. Give each route a
   `name=` (the nav and `url()` in templates use it):

       routes = web.RouteTableDef()

       @routes.get("/workload", name="workload")
       @staff_only
       async def workload(desk: Desk) -> web.StreamResponse:
           rows = await services.desk.workload.per_rep(desk.session, actor=desk.me)
           return desk.render("workload.html", rows=rows)

2. Guard — `web.guard.staff_only` sends a visitor who is not signed in to the sign-in page,
   answers 403 (the forbidden page) to riders, opens one unit of work and hands the
   handler a `Desk`: request, session, me (the User), zones (None: every zone), lang, t,
   render(template, **context), url(route, query=..., **parts). A service error that
   escapes becomes a page (web/middleware.py): NotFound and "case_not_your_zone" a 404,
   other DomainErrors their status with the catalogue's `error.<code>` sentence, anything
   else a 500 saying nothing changed. Catch a DomainError yourself where the page should
   come back with the form kept (see web/pages/case.py). A download of a list:
   `web.render.csv_response(header, rows, filename=...)` (BOM, formula-safe cells).

3. Template — `web/templates/<page>.html` starting with `{% extends "base.html" %}` and
   filling `{% block title %}` and `{% block content %}` (and `{% block head %}` /
   `{% block scripts %}` for a page's own CSS and JS). Jinja2 autoescapes; `t("key",
   name=value)` gives a catalogue text with its values escaped; `names` shows stored
   values (names.when(dt), .status, .severity, .category, .zone, .person); `url(name,
   query={...}, **parts)` builds a desk URL. Forms that POST carry `{{ csrf_field() }}`
   (JavaScript: the `csrf-token` meta tag, sent as the X-CSRF-Token header): without a
   valid token the middleware refuses the request (403). Static files (vendored libraries
   too) go in web/static/ and are linked with `{{ static("file.js") }}`.

4. Nav entry — web/nav.py lists every page of the desk (route name and catalogue key);
   an entry shows once a route of that name is registered, so add a line there only for a
   page that is not yet listed.

5. Catalogue — texts in locales/zh/LC_MESSAGES/<your-file>.po and
   locales/en/LC_MESSAGES/<your-file>.po (both languages; zh is the default). The desk's
   own keys start with `desk.`; a key may be defined once across all files.
"""
