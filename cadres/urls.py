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
]
