"""Pages of the shared base: the role home page, the county's rules and background jobs."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from attendance import selectors as attendance_selectors
from cadres import selectors as cadre_selectors
from cadres.models import Role
from compensation import selectors as payroll_selectors
from performance import selectors as performance_selectors
from ranks import selectors as rank_selectors

from . import audit, rulebook, scoping, services
from .forms import RuleValueForm, add_service_errors
from .models import Job, RuleValue


@login_required
def home(request):
    """Show the user's part of the county and what waits for them, by role."""
    user = request.user
    context = {"counts": cadre_selectors.home_counts(user)}
    context["duty_waiting"] = attendance_selectors.home_waiting(
        user, today=timezone.localdate(), village_count=context["counts"]["villages"]
    )
    context["selection_waiting"] = cadre_selectors.selection_waiting(user)
    context["performance_waiting"] = performance_selectors.home_waiting(
        user, today=timezone.localdate()
    )
    context["ranks_waiting"] = rank_selectors.home_waiting(user)
    context["payroll_waiting"] = payroll_selectors.home_waiting(user)
    if user.role == Role.TOWNSHIP_OFFICIAL:
        context["townships"] = list(scoping.townships_visible_to(user).order_by("code"))
    if user.role in (Role.VILLAGE_SECRETARY, Role.VILLAGE_CADRE) and user.cadre_id:
        cadre = user.cadre
        context["own_cadre"] = cadre
        context["own_village"] = cadre.village
    return render(request, "home.html", context)


@login_required
def rule_list(request):
    """List every county rule with the value in force today and its history."""
    today = timezone.localdate()
    rows_by_key = {}
    for row in RuleValue.objects.select_related("created_by").order_by("key", "-effective_from"):
        rows_by_key.setdefault(row.key, []).append(row)
    rules = []
    for key, definition in rulebook.RULES.items():
        history = rows_by_key.get(key, [])
        current = next((row for row in history if row.effective_from <= today), None)
        rules.append({"definition": definition, "current": current, "history": history})
    return render(
        request,
        "longshan/rule_list.html",
        {"rules": rules, "may_edit": scoping.may_edit_rules(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_value_create(request, key):
    if not scoping.may_edit_rules(request.user) or key not in rulebook.RULES:
        raise Http404
    definition = rulebook.RULES[key]
    form = RuleValueForm(request.POST or None, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_value_set(
                key,
                actor=request.user,
                value=form.cleaned_data["value"],
                effective_from=form.cleaned_data["effective_from"],
                reason=form.cleaned_data["reason"],
                today=timezone.localdate(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The new value has been saved."))
            return redirect("rule_list")
    return render(
        request,
        "longshan/rule_value_form.html",
        {"form": form, "definition": definition},
    )


def jobs_visible_to(user):
    if user.role == Role.COUNTY_STAFF:
        return Job.objects.all()
    return Job.objects.filter(created_by=user)


@login_required
@require_POST
def search_keys_rebuild_start(request):
    if not scoping.may_edit_rules(request.user):
        raise Http404
    job = services.job_start(Job.Kind.REBUILD_SEARCH_KEYS, actor=request.user)
    return redirect("job_detail", pk=job.pk)


@login_required
def job_detail(request, pk):
    job = scoping.get_in_scope_or_404(jobs_visible_to(request.user), pk=pk)
    template = "longshan/job_status.html" if request.htmx else "longshan/job_detail.html"
    return render(request, template, {"job": job})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, with the change recorded in the audit trail."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record("user.password_changed", actor=self.request.user, target=self.request.user)
        return response
