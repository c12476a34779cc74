"""Pages of the organisation tree and the roster: check scope, call a selector or a service."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from longshan import scoping
from longshan.forms import add_service_errors
from longshan.models import AuditEvent

from . import selectors, services
from .filters import CadreFilter
from .forms import CadreForm, VillageForm
from .models import Village


@login_required
def township_list(request):
    if not scoping.townships_visible_to(request.user).exists():
        raise Http404
    return render(
        request,
        "cadres/township_list.html",
        {"townships": selectors.township_rows(request.user)},
    )


@login_required
def township_detail(request, pk):
    township = scoping.get_in_scope_or_404(
        scoping.townships_visible_to(request.user).select_related("county"), pk=pk
    )
    villages = selectors.village_rows(request.user, township_id=township.pk)
    return render(
        request,
        "cadres/township_detail.html",
        {"township": township, "villages": villages},
    )


@login_required
def village_list(request):
    user = request.user
    if not scoping.villages_visible_to(user).exists():
        raise Http404
    township_id = request.GET.get("township", "")
    township_id = int(township_id) if township_id.isdigit() else None
    kind = request.GET.get("kind", "")
    kind = kind if kind in Village.Kind.values else ""
    query = request.GET.get("q", "")[:50]
    villages = selectors.village_rows(user, township_id=township_id, kind=kind, query=query)
    page = Paginator(villages, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cadres/village_list.html",
        {
            "page": page,
            "townships": scoping.townships_visible_to(user).order_by("code"),
            "kinds": Village.Kind.choices,
            "chosen": {"township": township_id, "kind": kind, "q": query},
            "total": len(villages),
        },
    )


@login_required
def village_detail(request, pk):
    village = scoping.get_in_scope_or_404(
        scoping.villages_visible_to(request.user).select_related("township"), pk=pk
    )
    context = {
        "village": village,
        "cadres": selectors.cadres_of_village(request.user, village),
        "may_edit": scoping.villages_editable_by(request.user).filter(pk=village.pk).exists(),
        **selectors.village_facts(village, on=timezone.localdate()),
    }
    return render(request, "cadres/village_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def village_edit(request, pk):
    village = scoping.get_in_scope_or_404(
        scoping.villages_editable_by(request.user).select_related("township"), pk=pk
    )
    form = VillageForm(request.POST or None, instance=village)
    if request.method == "POST" and form.is_valid():
        try:
            services.village_update(village, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The village has been saved."))
            return redirect(village)
    return render(request, "cadres/village_form.html", {"form": form, "village": village})


@login_required
def cadre_list(request):
    user = request.user
    if not scoping.may_read_roster(user):
        raise Http404
    townships, villages = selectors.filter_choices_for(user)
    roster = CadreFilter(
        request.GET or None,
        queryset=selectors.roster_for(user),
        townships=townships,
        villages=villages,
    )
    cadres = roster.qs if roster.is_bound and roster.is_valid() else roster.queryset
    if not roster.is_bound or not roster.form.cleaned_data.get("sort"):
        cadres = cadres.order_by("village__code", "post", "name_pinyin")
    page = Paginator(cadres, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cadres/cadre_list.html",
        {
            "filter": roster,
            "page": page,
            "query": query.urlencode(),
            "may_create": scoping.villages_open_for_new_cadres(user).exists(),
        },
    )


@login_required
def cadre_detail(request, pk):
    cadre = scoping.get_in_scope_or_404(
        scoping.cadres_visible_to(request.user).select_related("village__township"),
        pk=pk,
    )
    may_edit = scoping.cadres_editable_by(request.user).filter(pk=cadre.pk).exists()
    history = []
    if may_edit:
        history = AuditEvent.objects.filter(
            object_type="cadres.cadre", object_id=str(cadre.pk)
        ).order_by("-created_at", "-id")[:50]
    return render(
        request,
        "cadres/cadre_detail.html",
        {"cadre": cadre, "may_edit": may_edit, "history": history},
    )


@login_required
@require_http_methods(["GET", "POST"])
def cadre_create(request):
    if not scoping.villages_open_for_new_cadres(request.user).exists():
        raise Http404
    form = CadreForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            cadre = services.cadre_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("village", str(error))
        else:
            messages.success(request, _("%(name)s has been added to the roster.") % {"name": cadre})
            return redirect(cadre)
    return render(request, "cadres/cadre_form.html", {"form": form, "cadre": None})


@login_required
@require_http_methods(["GET", "POST"])
def cadre_edit(request, pk):
    cadre = scoping.get_in_scope_or_404(
        scoping.cadres_editable_by(request.user).select_related("village__township"),
        pk=pk,
    )
    form = CadreForm(request.POST or None, instance=cadre, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.cadre_update(cadre, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("village", str(error))
        else:
            messages.success(request, _("The record has been saved."))
            return redirect(cadre)
        cadre.refresh_from_db()
    return render(request, "cadres/cadre_form.html", {"form": form, "cadre": cadre})
