from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import audit_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/<str:key>/new/", views.rule_value_create, name="rule_value_create"),
    path("jobs/search-keys/", views.search_keys_rebuild_start, name="search_keys_rebuild"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("audit/", audit_views.audit_trail_list, name="audit_trail"),
    path(
        "audit/export.<str:file_format>",
        audit_views.audit_trail_export,
        name="audit_trail_export",
    ),
    path("", include("cadres.urls")),
    path("training/", include("training.urls")),
    path("attendance/", include("attendance.urls")),
    path("performance/", include("performance.urls")),
    path("pay/", include("compensation.urls")),
    path("ranks/", include("ranks.urls")),
    path("dashboards/", include("dashboards.urls")),
]
