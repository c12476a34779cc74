"""Pages of the rank ladder: check scope, call a selector or a service, render."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from longshan import scoping
from longshan.forms import add_service_errors

from . import rules, selectors, services
from .forms import ApproveForm, PlacementForm, ProposalChangeForm, YearForm
from .models import RankCycle, RankProposal


def _require(condition):
    if not condition:
        raise Http404


def _page(request, queryset):
    return Paginator(queryset, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))


def _may_see_adjustments(user):
    return scoping.may_decide_ranks(user) or (
        user.role == user.Role.TOWNSHIP_OFFICIAL and scoping.townships_visible_to(user).exists()
    )


@login_required
def distribution(request):
    """The count of cadres at each level by township and by post (POLICY §9.2)."""
    user = request.user
    _require(scoping.may_see_rank_distribution(user))
    on = timezone.localdate()
    return render(
        request,
        "ranks/distribution.html",
        {
            "on": on,
            **selectors.rank_distribution(user, on=on),
            "may_see_adjustments": _may_see_adjustments(user),
        },
    )


@login_required
def cycle_list(request):
    user = request.user
    _require(_may_see_adjustments(user))
    today = timezone.localdate()
    return render(
        request,
        "ranks/cycle_list.html",
        {
            "cycles": selectors.cycle_rows(user),
            "may_decide": scoping.may_decide_ranks(user),
            "form": YearForm(initial={"year": today.year - 1}),
        },
    )


@login_required
@require_POST
def cycle_propose(request):
    user = request.user
    _require(scoping.may_decide_ranks(user))
    form = YearForm(request.POST)
    _require(form.is_valid())
    year = form.cleaned_data["year"]
    _cycle, counts = services.ranks_propose(year, actor=user, now=timezone.now())
    messages.success(
        request,
        _("%(count)s rank proposals made; %(unranked)s graded cadres have no rank yet.")
        % {"count": counts["proposed"], "unranked": counts["unranked"]},
    )
    return redirect("ranks:cycle_detail", year=year)


def _cycle_or_404(year):
    cycle = RankCycle.objects.filter(year=year).first()
    _require(cycle is not None)
    return cycle


@login_required
def cycle_detail(request, year):
    """The proposals of a year, by township; county staff approve them here (§7.4)."""
    user = request.user
    _require(_may_see_adjustments(user))
    cycle = _cycle_or_404(year)
    townships = scoping.townships_visible_to(user).order_by("code")
    township_id = request.GET.get("township", "")
    township_id = int(township_id) if township_id.isdigit() else None
    if township_id and not townships.filter(pk=township_id).exists():
        raise Http404
    status = request.GET.get("status", "")
    move = request.GET.get("move", "")
    rows = selectors.proposal_rows(user, cycle, township_id=township_id, status=status, move=move)
    page = _page(request, rows)
    needed = selectors.needed_years(cycle)
    for proposal in page:
        proposal.reason_text = selectors.reason_text(
            proposal.reason, years=proposal.years_at_level, needed=needed
        )
    may_decide = scoping.may_decide_ranks(user)
    return render(
        request,
        "ranks/cycle_detail.html",
        {
            "cycle": cycle,
            "summary": selectors.cycle_summary(user, cycle),
            "page": page,
            "townships": townships,
            "township_id": township_id,
            "status": status,
            "move": move,
            "statuses": RankProposal.Status.choices,
            "moves": RankProposal.Move.choices,
            "may_decide": may_decide,
            "approve_form": ApproveForm(
                initial={
                    "effective_from": rules.default_effective_from(cycle.year),
                    "township": township_id,
                },
                townships=townships,
            )
            if may_decide
            else None,
            "query": urlencode({"township": township_id or "", "status": status, "move": move}),
        },
    )


@login_required
@require_POST
def cycle_approve(request, year):
    user = request.user
    _require(scoping.may_decide_ranks(user))
    cycle = _cycle_or_404(year)
    form = ApproveForm(request.POST, townships=scoping.townships_visible_to(user))
    if form.is_valid():
        township = form.cleaned_data["township"]
        try:
            count = services.proposals_approve(
                cycle,
                actor=user,
                effective_from=form.cleaned_data["effective_from"],
                now=timezone.now(),
                township_id=township.pk if township else None,
            )
        except services.RankError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext("%(count)s proposal approved.", "%(count)s proposals approved.", count)
                % {"count": count},
            )
    else:
        messages.error(request, _("Give the date the moves take effect."))
    return redirect("ranks:cycle_detail", year=year)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request, pk):
    """One cadre's proposal with its reason; county staff change it with a reason."""
    user = request.user
    proposal = selectors.proposal_for(user, pk)
    may_change = scoping.may_decide_ranks(user) and proposal.status == RankProposal.Status.PROPOSED
    form = ProposalChangeForm(
        request.POST or None,
        initial={"level": proposal.level, "reason": proposal.override_reason},
    )
    if request.method == "POST":
        _require(may_change)
        if form.is_valid():
            try:
                services.proposal_change(
                    proposal,
                    actor=user,
                    level=form.cleaned_data["level"],
                    reason=form.cleaned_data["reason"],
                )
            except services.RankError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The proposal has been changed."))
                return redirect(
                    f"{reverse('ranks:cycle_detail', args=[proposal.cycle.year])}"
                    f"?township={proposal.township_id}"
                )
    proposal.reason_text = selectors.reason_text(
        proposal.reason,
        years=proposal.years_at_level,
        needed=selectors.needed_years(proposal.cycle),
    )
    return render(
        request,
        "ranks/proposal_detail.html",
        {"proposal": proposal, "form": form if may_change else None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def placement(request, pk):
    """County staff place a cadre on the ladder, by the rule or with a reason (§7.3)."""
    user = request.user
    _require(scoping.may_decide_ranks(user))
    cadre = scoping.get_in_scope_or_404(
        scoping.cadres_with_rank_visible_to(user).select_related("village__township"), pk=pk
    )
    current = cadre.rank_steps.filter(kind="placement").first()
    today = timezone.localdate()
    on = current.effective_from if current else max(cadre.start_date, services.PILOT_START)
    form = PlacementForm(
        request.POST or None,
        initial={
            "on": on,
            "level": current.level if current and current.overridden else None,
            "reason": current.override_reason if current else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.placement_set(
                cadre,
                on=form.cleaned_data["on"],
                actor=user,
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
            )
        except services.RankError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The placement has been recorded."))
            return redirect(cadre)
    years, rule_level = services.placement_for(cadre.pk, on=on)
    return render(
        request,
        "ranks/placement.html",
        {
            "cadre": cadre,
            "current": current,
            "form": form,
            "service_start": services.service_start_by_cadre([cadre.pk])[cadre.pk],
            "service_years": years,
            "rule_level": rule_level,
            "on": on,
            "today": today,
        },
    )
