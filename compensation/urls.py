from django.urls import path

from . import views

app_name = "compensation"

urlpatterns = [
    path("payroll/", views.payroll_list, name="payroll_list"),
    path("payroll/run/", views.payroll_run, name="payroll_run"),
    path("payroll/<int:pk>/", views.payroll_detail, name="payroll_detail"),
    path(
        "payroll/<int:pk>/townships/<int:township_pk>/review/",
        views.payroll_review,
        name="payroll_review",
    ),
    path("payroll/<int:pk>/approve/", views.payroll_approve, name="payroll_approve"),
    path("payroll/<int:pk>/lock/", views.payroll_lock, name="payroll_lock"),
    path("payroll/<int:pk>/sheet.pdf", views.payroll_pdf, name="payroll_pdf"),
    path("payroll/<int:pk>/sheet.xlsx", views.payroll_xlsx, name="payroll_xlsx"),
    path("payroll/<int:pk>/bank-transfer.csv", views.payroll_bank_csv, name="payroll_bank_csv"),
    path("payroll/<int:pk>/document/", views.document_start, name="document_start"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("payslips/", views.payslip_list, name="payslip_list"),
    path("payslips/<int:pk>/", views.payslip_detail, name="payslip_detail"),
    path("standards/", views.standard_list, name="standard_list"),
    path("rewards/", views.reward_list, name="reward_list"),
    path("rewards/first-class/", views.first_class_rate, name="first_class_rate"),
    path("benefits/", views.benefit_list, name="benefit_list"),
    path("adjustments/", views.adjustment_list, name="adjustment_list"),
    path("collective-shares/", views.collective_share_list, name="collective_share_list"),
]
