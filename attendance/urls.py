from django.urls import path

from . import views

app_name = "attendance"

urlpatterns = [
    path("duty/", views.duty_home, name="duty"),
    path("duty/me/", views.my_duty, name="my_duty"),
    path("duty/overview/", views.duty_overview, name="duty_overview"),
    path("duty/checks/", views.duty_check, name="duty_check"),
    path("villages/<int:pk>/duty/", views.village_duty, name="village_duty"),
    path("villages/<int:pk>/roster/", views.roster, name="roster"),
    path("roster-gaps/", views.roster_gaps, name="roster_gaps"),
    path("cadres/<int:pk>/sign-in/", views.duty_sign_in, name="duty_sign_in"),
    path("cadres/<int:pk>/spans/", views.duty_span_add, name="duty_span_add"),
    path("duty-logs/<int:pk>/sign-out/", views.duty_sign_out, name="duty_sign_out"),
    path("duty-logs/<int:pk>/correct/", views.duty_log_correct, name="duty_log_correct"),
    path("leave/", views.leave_list, name="leave_list"),
    path("leave/new/", views.leave_create, name="leave_create"),
    path("leave/<int:pk>/", views.leave_detail, name="leave_detail"),
    path("leave/<int:pk>/decide/", views.leave_decide, name="leave_decide"),
    path("leave/<int:pk>/cancel/", views.leave_cancel, name="leave_cancel"),
    path("leave/<int:pk>/return/", views.leave_report_back, name="leave_report_back"),
    path("townships/<int:pk>/ledger/", views.ledger, name="ledger"),
    path("townships/<int:pk>/ledger.pdf", views.ledger_pdf, name="ledger_pdf"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/withdraw/", views.inspection_withdraw, name="inspection_withdraw"),
    path("violations/", views.violation_list, name="violation_list"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/overrides/", views.calendar_override_add, name="calendar_override_add"),
    path(
        "calendar/overrides/<int:pk>/delete/",
        views.calendar_override_delete,
        name="calendar_override_delete",
    ),
    path("calendar/years/", views.calendar_year_enter, name="calendar_year_enter"),
]
