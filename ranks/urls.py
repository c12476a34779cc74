from django.urls import path

from . import views

app_name = "ranks"

urlpatterns = [
    path("", views.distribution, name="distribution"),
    path("adjustments/", views.cycle_list, name="cycle_list"),
    path("adjustments/propose/", views.cycle_propose, name="cycle_propose"),
    path("adjustments/<int:year>/", views.cycle_detail, name="cycle_detail"),
    path("adjustments/<int:year>/approve/", views.cycle_approve, name="cycle_approve"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("cadres/<int:pk>/placement/", views.placement, name="placement"),
]
