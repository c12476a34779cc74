from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.county_dashboard, name="county"),
    path("export.xlsx", views.county_dashboard_xlsx, name="county_xlsx"),
    path("townships/<int:pk>/", views.township_dashboard, name="township"),
    path("townships/<int:pk>/export.xlsx", views.township_dashboard_xlsx, name="township_xlsx"),
    path("villages/<int:pk>/", views.village_dashboard, name="village"),
    path("villages/<int:pk>/export.xlsx", views.village_dashboard_xlsx, name="village_xlsx"),
]
