"""Pages of the organisation tree and the roster: check scope, call a selector or a service."""

import contextlib
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from longshan import audit, privacy, scoping
from longshan.forms import add_service_errors
from longshan.models import AuditEvent

from . import resources, rules, selectors, services
from .filters import CadreFilter
from .forms import (
    AppointForm,
    AttestationForm,
    CadreForm,
    CandidateForm,
    DisqualifierForm,
    EventForm,
    ExceptionForm,
    ImportForm,
    RelationForm,
    ReviewForm,
    VillageForm,
)
from .models import Candidate, DisqualifierItem, Post, Relation, User, VettingCase, Village


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
        user=user,
    )
    roster.offer_village_choices()
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
            "may_move_files": scoping.may_move_roster_files(user),
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
        {
            "cadre": cadre,
            "may_edit": may_edit,
            "history": history,
            "timeline": selectors.cadre_timeline(cadre),
            "relatives": selectors.relatives_of(cadre) if may_edit else [],
            "may_record_event": scoping.may_run_selection(request.user),
        },
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


# ---------------------------------------------------------------- history (§3.6)


def _county_only(user):
    if not scoping.may_run_selection(user):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def cadre_event_create(request, pk):
    _county_only(request.user)
    cadre = scoping.get_in_scope_or_404(
        scoping.cadres_editable_by(request.user).select_related("village__township"), pk=pk
    )
    form = EventForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.event_record(
                cadre,
                actor=request.user,
                kind=data["kind"],
                on=data["on"],
                reason=data["reason"],
                village=data.get("village"),
                post=data.get("post") or "",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The event has been recorded."))
            return redirect(cadre)
    return render(request, "cadres/event_form.html", {"form": form, "cadre": cadre})


@login_required
def removal_list(request):
    _county_only(request.user)
    return render(
        request,
        "cadres/removal_list.html",
        {"removals": selectors.pending_removals(request.user)},
    )


@login_required
@require_http_methods(["POST"])
def removal_decide(request, pk):
    _county_only(request.user)
    event = scoping.get_in_scope_or_404(selectors.pending_removals(request.user), pk=pk)
    try:
        if request.POST.get("decision") == "confirm":
            services.confirm_removal(event.pk, actor=request.user)
            messages.success(request, _("The removal has taken effect."))
        else:
            services.reject_removal(
                event.pk, actor=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The removal has been turned down."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("cadres:removal_list")


# ---------------------------------------------------------------- candidates (§3.1-§3.3)


@login_required
def candidate_list(request):
    _county_only(request.user)
    post = request.GET.get("post", "")
    post = post if post in Post.values else ""
    status = request.GET.get("status", "")
    status = status if status in Candidate.Status.values else ""
    candidates = selectors.candidate_rows(request.user, post=post, status=status)
    page = Paginator(candidates, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cadres/candidate_list.html",
        {
            "page": page,
            "posts": Post.choices,
            "statuses": Candidate.Status.choices,
            "chosen": {"post": post, "status": status},
            "query": f"post={post}&status={status}",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def candidate_create(request):
    _county_only(request.user)
    form = CandidateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            candidate = services.candidate_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The candidate has been added to the pool."))
            return redirect(candidate)
    return render(request, "cadres/candidate_form.html", {"form": form})


@login_required
def candidate_detail(request, pk):
    _county_only(request.user)
    candidate = scoping.get_in_scope_or_404(
        scoping.candidates_visible_to(request.user).select_related(
            "village__township", "exception_approved_by", "attested_by", "cadre"
        ),
        pk=pk,
    )
    attestations = list(candidate.attestations.all())
    return render(
        request,
        "cadres/candidate_detail.html",
        {
            "candidate": candidate,
            "problems": services.candidate_problems(candidate),
            "attestations": attestations,
            "attestation_form": AttestationForm(
                initial={"ticked": [a.item_id for a in attestations if a.applies]}
            ),
            "exception_form": ExceptionForm(initial={"reason": candidate.exception_reason}),
            "cases": candidate.cases.order_by("-started_at"),
            "age": rules.age_on(candidate.birth_date, candidate.planned_on),
        },
    )


def _candidate_action(request, pk):
    _county_only(request.user)
    return scoping.get_in_scope_or_404(scoping.candidates_visible_to(request.user), pk=pk)


def _show_errors(request, error):
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_http_methods(["POST"])
def candidate_attest(request, pk):
    candidate = _candidate_action(request, pk)
    form = AttestationForm(request.POST)
    if form.is_valid():
        try:
            services.candidate_attest(
                candidate,
                actor=request.user,
                ticked_item_ids=[item.pk for item in form.cleaned_data["ticked"]],
            )
        except ValidationError as error:
            _show_errors(request, error)
        else:
            messages.success(request, _("The attestation has been saved."))
    return redirect(candidate)


@login_required
@require_http_methods(["POST"])
def candidate_exception(request, pk):
    candidate = _candidate_action(request, pk)
    form = ExceptionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("An exception needs a written reason."))
        services.candidate_exception_approve(
            candidate, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("The exception has been approved."))
    return redirect(candidate)


@login_required
@require_http_methods(["POST"])
def vetting_start(request, pk):
    candidate = _candidate_action(request, pk)
    try:
        case = services.vetting_start(candidate, actor=request.user)
    except ValidationError as error:
        _show_errors(request, error)
        return redirect(candidate)
    messages.success(request, _("The case has been sent to the nine departments."))
    return redirect(case)


# ---------------------------------------------------------------- joint vetting (§3.4)


@login_required
def vetting_list(request):
    _county_only(request.user)
    status = request.GET.get("status", "")
    status = status if status in VettingCase.Status.values else ""
    cases = selectors.vetting_case_rows(request.user, status=status)
    page = Paginator(cases, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cadres/vetting_list.html",
        {
            "page": page,
            "statuses": VettingCase.Status.choices,
            "chosen": status,
            "query": f"status={status}",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def vetting_detail(request, pk):
    case = scoping.get_in_scope_or_404(
        scoping.vetting_cases_visible_to(request.user).select_related(
            "candidate__village__township", "started_by"
        ),
        pk=pk,
    )
    form = AppointForm(
        request.POST or None,
        initial={"on": max(case.candidate.planned_on, timezone.localdate())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            cadre = services.vetting_appoint(
                case,
                actor=request.user,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s has been appointed.") % {"name": cadre.name})
            return redirect(cadre)
    reviews = case.reviews.select_related("reviewer")
    return render(
        request,
        "cadres/vetting_detail.html",
        {
            "case": case,
            "reviews": reviews,
            "failed": [review for review in reviews if review.status == "failed"],
            "form": form,
            "may_appoint": case.status == VettingCase.Status.PASSED,
        },
    )


@login_required
def review_queue(request):
    user = request.user
    if user.role != User.Role.VETTING_REVIEWER:
        raise Http404
    return render(
        request,
        "cadres/review_queue.html",
        {
            "waiting": selectors.review_queue(user),
            "decided": selectors.reviews_decided_by_department(user)[:50],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request, pk):
    review = scoping.get_in_scope_or_404(
        scoping.vetting_reviews_visible_to(request.user).select_related(
            "case__candidate__village__township", "reviewer"
        ),
        pk=pk,
    )
    may_decide = scoping.vetting_reviews_decidable_by(request.user).filter(pk=review.pk).exists()
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not may_decide:
            raise Http404
        if form.is_valid():
            try:
                services.review_decide(
                    review,
                    actor=request.user,
                    passed=form.cleaned_data["verdict"] == "pass",
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your department's verdict has been recorded."))
                return redirect("cadres:review_queue")
    candidate = review.case.candidate
    return render(
        request,
        "cadres/review_detail.html",
        {
            "review": review,
            "candidate": candidate,
            "form": form,
            "may_decide": may_decide,
            "age": rules.age_on(candidate.birth_date, candidate.planned_on),
        },
    )


# ---------------------------------------------------------------- relatives, checklist


@login_required
@require_http_methods(["GET", "POST"])
def relation_list(request):
    _county_only(request.user)
    form = RelationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.relation_record(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The relation has been recorded."))
            return redirect("cadres:relation_list")
    relations = Relation.objects.order_by("-created_at", "-id")
    page = Paginator(relations, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cadres/relation_list.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def disqualifier_list(request, pk=None):
    _county_only(request.user)
    item = get_object_or_404(DisqualifierItem, pk=pk) if pk else None
    form = DisqualifierForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.disqualifier_save(item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The checklist has been saved."))
            return redirect("cadres:disqualifier_list")
    return render(
        request,
        "cadres/disqualifier_list.html",
        {"form": form, "item": item, "items": DisqualifierItem.objects.all()},
    )


# ---------------------------------------------------------------- quotas (§2.3)


@login_required
def quota_overview(request):
    user = request.user
    if not scoping.may_see_quotas(user):
        raise Http404
    township_id = request.GET.get("township", "")
    township_id = int(township_id) if township_id.isdigit() else None
    show_all = request.GET.get("all") == "1"
    groups = selectors.quota_rows(
        user, on=timezone.localdate(), township_id=township_id, show_all=show_all
    )
    return render(
        request,
        "cadres/quota_overview.html",
        {
            "groups": groups,
            "townships": scoping.townships_visible_to(user).order_by("code"),
            "chosen": township_id,
            "show_all": show_all,
            "posts": selectors.QUOTA_POSTS,
            "village_count": sum(len(rows) for _township, rows in groups),
        },
    )


# ---------------------------------------------------------------- roster files


@login_required
def roster_export(request):
    user = request.user
    if not scoping.may_move_roster_files(user):
        raise Http404
    params = request.GET.copy()
    file_format = params.pop("format", ["xlsx"])[-1]
    if file_format not in resources.FORMATS:
        raise Http404
    params.pop("page", None)
    _roster, cadres = selectors.roster_filtered(user, params)
    reveal = privacy.may_view_personal_data(user)
    content = resources.export_roster(cadres, file_format, reveal_personal=reveal)
    audit.record_export("roster", actor=user, file_format=file_format, filters=params)
    if reveal:
        privacy.record_viewed(
            user,
            page=request.get_full_path()[:500],
            ids={"cadres.cadre": set(cadres.values_list("pk", flat=True))},
        )
    response = HttpResponse(content, content_type=resources.CONTENT_TYPES[file_format])
    name = f"roster-{timezone.localdate():%Y%m%d}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# An uploaded roster waits this long for its confirmation; it holds identity numbers and
# phones, so it is not kept on the server past that.
IMPORT_PENDING_HOURS = 24


def _import_dir():
    """Return the folder of uploads awaiting confirmation."""
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pending_import_path(pending):
    return _import_dir() / f"{pending['token']}.{pending['format']}"


def _clear_stale_imports():
    """Remove the uploads nobody confirmed within IMPORT_PENDING_HOURS (run by every upload
    and confirmation: a confirmed upload, or one replaced by the same session's next, is
    removed at once)."""
    stale = time.time() - IMPORT_PENDING_HOURS * 3600
    for pending in _import_dir().iterdir():
        with contextlib.suppress(FileNotFoundError):  # cleared by another request meanwhile
            if pending.stat().st_mtime < stale:
                pending.unlink()


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request):
    """Upload a roster file: a dry run shows every bad row or a preview; confirm writes."""
    user = request.user
    if not scoping.may_move_roster_files(user):
        raise Http404
    context = {"form": ImportForm()}
    if request.method == "POST":
        _clear_stale_imports()
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"]
        pending = request.session.get("roster_import", {})
        if pending.get("token") != token:
            messages.error(request, _("This import has expired: upload the file again."))
            return redirect("cadres:roster_import")
        path = _pending_import_path(pending)
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            request.session.pop("roster_import", None)
            messages.error(request, _("This import has expired: upload the file again."))
            return redirect("cadres:roster_import")
        result = resources.import_roster(
            content, pending["format"], user=user, dry_run=False, today=timezone.localdate()
        )
        path.unlink(missing_ok=True)
        request.session.pop("roster_import", None)
        if result.has_errors() or result.has_validation_errors():
            context.update(_result_context(result))
        else:
            totals = result.totals
            messages.success(
                request,
                _("Imported: %(new)s new cadres, %(update)s records updated.")
                % {"new": totals.get("new", 0), "update": totals.get("update", 0)},
            )
            return redirect("cadres:cadre_list")
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            try:
                result = resources.import_roster(
                    content,
                    upload.file_format,
                    user=user,
                    dry_run=True,
                    today=timezone.localdate(),
                )
            except ValueError as error:
                form.add_error("file", str(error))
            else:
                context.update(_result_context(result))
                earlier = request.session.pop("roster_import", None)
                if earlier:  # an earlier upload of this session, never confirmed
                    _pending_import_path(earlier).unlink(missing_ok=True)
                if not context["bad_rows"]:
                    pending = {"token": uuid.uuid4().hex, "format": upload.file_format}
                    _pending_import_path(pending).write_bytes(content)
                    request.session["roster_import"] = pending
                    context["token"] = pending["token"]
    return render(request, "cadres/roster_import.html", context)


def _result_context(result):
    """Return the bad rows (spreadsheet row number: the header is row 1) and the totals."""
    bad_rows = []
    for invalid in result.invalid_rows:
        bad_rows.append({"number": invalid.number + 1, "messages": invalid.error.messages})
    for number, errors in result.row_errors():
        bad_rows.append({"number": number + 1, "messages": [str(e.error) for e in errors]})
    for error in result.base_errors:
        bad_rows.append({"number": "—", "messages": [str(error.error)]})
    bad_rows.sort(key=lambda row: row["number"] if isinstance(row["number"], int) else 0)
    preview = [row for row in result.rows if row.import_type in ("new", "update")][:50]
    return {
        "bad_rows": bad_rows,
        "totals": result.totals,
        "total_rows": result.total_rows,
        "preview": preview,
    }
