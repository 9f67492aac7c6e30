"""The group page: every appearance of one claim, why each joined, and the
reviewer's corrections (take a claim out, merge another group in)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from claims import roles, services
from claims.desk import HtmxRequest, group_presenters, presenters
from claims.desk.forms import GroupMergeForm, GroupSplitForm
from claims.models import Claim, ClaimGroup
from claims.roles import reviewer_required
from claims.services import groups


@reviewer_required
def group_detail(request: HtmxRequest, group_id: int) -> HttpResponse:
    group = get_object_or_404(ClaimGroup.objects.select_related("representative"), pk=group_id)
    context = {
        "group": group,
        "members": group_presenters.members(group),
        "verdict": groups.group_verdict(group=group),
        "audit": presenters.group_audit_trail(group),
        "merge_form": GroupMergeForm(),
        "is_editor": roles.is_editor(request.user),
    }
    return render(request, "claims/group.html", context)


@require_POST
@reviewer_required
def group_split(request: HtmxRequest, group_id: int) -> HttpResponse:
    group = get_object_or_404(ClaimGroup, pk=group_id)
    form = GroupSplitForm(request.POST)
    claim = Claim.objects.defer("embedding").filter(pk=form.cleaned_data["claim"]).first() if form.is_valid() else None
    if claim is None:
        messages.error(request, "Choose a claim of this group to take out.")
        return redirect("claims:group", group_id=group.pk)
    try:
        alone = groups.group_split(group=group, claim=claim, reviewer=request.user)
    except services.InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Claim {claim.pk} was taken out of this group: it is group {alone.pk} now, on its own."
        )
    return redirect("claims:group", group_id=group.pk)


@require_POST
@reviewer_required
def group_merge(request: HtmxRequest, group_id: int) -> HttpResponse:
    group = get_object_or_404(ClaimGroup, pk=group_id)
    form = GroupMergeForm(request.POST)
    other = ClaimGroup.objects.filter(pk=form.cleaned_data["other"]).first() if form.is_valid() else None
    if other is None:
        wanted = request.POST.get("other", "").strip()
        messages.error(request, f"There is no group {wanted}." if wanted else "Give the number of a group to merge.")
        return redirect("claims:group", group_id=group.pk)
    # The merge deletes the other group (and its pk with it).
    other_id, moved = other.pk, other.claim_count
    try:
        groups.groups_merge(into=group, others=[other], reviewer=request.user)
    except services.InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Group {other_id} was merged into this one ({moved} claim{'s' if moved != 1 else ''})."
        )
    return redirect("claims:group", group_id=group.pk)
