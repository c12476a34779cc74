from django.urls import path

from . import views

app_name = "cadres"

urlpatterns = [
    path("townships/", views.township_list, name="township_list"),
    path("townships/<int:pk>/", views.township_detail, name="township_detail"),
    path("villages/", views.village_list, name="village_list"),
    path("villages/<int:pk>/", views.village_detail, name="village_detail"),
    path("villages/<int:pk>/edit/", views.village_edit, name="village_edit"),
    path("cadres/", views.cadre_list, name="cadre_list"),
    path("cadres/new/", views.cadre_create, name="cadre_create"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre_detail"),
    path("cadres/<int:pk>/edit/", views.cadre_edit, name="cadre_edit"),
    path("cadres/<int:pk>/events/new/", views.cadre_event_create, name="cadre_event_create"),
    path("cadres/export/", views.roster_export, name="roster_export"),
    path("cadres/import/", views.roster_import, name="roster_import"),
    path("removals/", views.removal_list, name="removal_list"),
    path("removals/<int:pk>/decide/", views.removal_decide, name="removal_decide"),
    path("selection/candidates/", views.candidate_list, name="candidate_list"),
    path("selection/candidates/new/", views.candidate_create, name="candidate_create"),
    path("selection/candidates/<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("selection/candidates/<int:pk>/attest/", views.candidate_attest, name="candidate_attest"),
    path(
        "selection/candidates/<int:pk>/exception/",
        views.candidate_exception,
        name="candidate_exception",
    ),
    path("selection/candidates/<int:pk>/vetting/", views.vetting_start, name="vetting_start"),
    path("selection/vetting/", views.vetting_list, name="vetting_list"),
    path("selection/vetting/<int:pk>/", views.vetting_detail, name="vetting_detail"),
    path("selection/reviews/", views.review_queue, name="review_queue"),
    path("selection/reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("selection/relatives/", views.relation_list, name="relation_list"),
    path("selection/checklist/", views.disqualifier_list, name="disqualifier_list"),
    path("selection/checklist/<int:pk>/", views.disqualifier_list, name="disqualifier_edit"),
    path("quotas/", views.quota_overview, name="quota_overview"),
]
