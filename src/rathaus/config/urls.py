"""URL root. Every municipality-facing URL works both on the municipality's host name
(``musterstadt.localhost``) and behind the path prefix ``/m/<slug>/``; the prefix is handled by
:class:`rathaus.core.middleware.MunicipalityMiddleware`, so the patterns here never mention it.
"""

from django.urls import include, path
from django.views.i18n import set_language

from rathaus.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("theme.css", core_views.theme_css, name="theme_css"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("konto/", include("rathaus.accounts.urls")),
    path("verwaltung/anmelden/", include("rathaus.accounts.staff_urls")),
    path("verwaltung/leistungen/", include("rathaus.catalog.urls")),
    path("verwaltung/zustellungen/", include("rathaus.integrations.urls")),
    path("verwaltung/zahlungen/", include("rathaus.payments.admin_urls")),
    path("verwaltung/zonen/", include("rathaus.geo.admin_urls")),
    path("verwaltung/parkausweise/", include("rathaus.parking.admin_urls")),
    path("verwaltung/gewerbe/", include("rathaus.trade.admin_urls")),
    path("verwaltung/empfaenger/", include("rathaus.xgewerbe.admin_urls")),
    path("verwaltung/schnittstellen/", include("rathaus.api.admin_urls")),
    path("verwaltung/", include("rathaus.backoffice.urls")),
    path("antraege/", include("rathaus.applications.urls")),
    path("postfach/", include("rathaus.postbox.urls")),
    path("zahlung/", include("rathaus.payments.urls")),
    path("parkzonen/", include("rathaus.geo.urls")),
    path("parkausweis/", include("rathaus.parking.urls")),
    path("gewerbe/", include("rathaus.trade.urls")),
    path("api/v1/", include("rathaus.api.urls")),
    path("", include("rathaus.portal.urls")),
]

handler400 = "rathaus.core.views.bad_request"
handler403 = "rathaus.core.views.permission_denied"
handler404 = "rathaus.core.views.page_not_found"
handler500 = "rathaus.core.views.server_error"
