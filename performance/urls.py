from django.urls import path

from . import views

app_name = "performance"

urlpatterns = [
    path("orders/", views.dispatch_home, name="orders"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/report/", views.assignment_report, name="assignment_report"),
    path("assignments/<int:pk>/score/", views.assignment_score, name="assignment_score"),
    path(
        "assignments/<int:pk>/attachment/",
        views.assignment_attachment,
        name="assignment_attachment",
    ),
    path("evaluations/", views.evaluation_list, name="evaluation_list"),
    path("villages/<int:pk>/evaluation/", views.evaluation_record, name="evaluation_record"),
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/new/", views.measure_create, name="measure_create"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/withdraw/", views.measure_withdraw, name="measure_withdraw"),
    path("settlements/", views.settlement_list, name="settlement_list"),
    path("settlements/run/", views.settlement_run, name="settlement_run"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement_detail"),
    path("settlements/<int:pk>/lock/", views.settlement_lock, name="settlement_lock"),
    path("grades/", views.grade_list, name="grade_list"),
    path("grades/propose/", views.grades_propose, name="grades_propose"),
    path("grades/confirm-all/", views.grades_confirm_all, name="grades_confirm_all"),
    path("grades/<int:pk>/", views.grade_detail, name="grade_detail"),
]
