from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/enrol/", views.event_enrol, name="event_enrol"),
    path("events/<int:pk>/attendance/", views.attendance_record, name="attendance_record"),
    path("events/<int:pk>/attendance/sheet/", views.attendance_sheet, name="attendance_sheet"),
    path("events/<int:pk>/attendance/import/", views.attendance_import, name="attendance_import"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/export/", views.compliance_export, name="compliance_export"),
    path("mine/", views.my_training, name="my_training"),
    path("cadres/<int:pk>/", views.cadre_record, name="cadre_record"),
    path(
        "cadres/<int:cadre_pk>/secondments/new/",
        views.secondment_create,
        name="secondment_create",
    ),
    path("secondments/<int:pk>/edit/", views.secondment_edit, name="secondment_edit"),
    path(
        "cadres/<int:cadre_pk>/education/new/",
        views.education_entry_create,
        name="education_entry_create",
    ),
    path("education/<int:pk>/edit/", views.education_entry_edit, name="education_entry_edit"),
]
