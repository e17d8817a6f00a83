"""The flag form, the moderation queue, actions on flagged content, members and the log."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from nlmg.spoilers.markup import gate

from . import permissions, services
from .forms import ActionForm, FlagForm, SuspendForm
from .guards import suspension_message
from .models import Flag, ModerationEvent

FLAGGABLE = {
    "post": ("discussions", "post"),
    "thread": ("discussions", "thread"),
    "revision": ("wiki", "revision"),
    "user": ("accounts", "user"),
}


def _require_moderator(request):
    if not permissions.can_moderate(request.user):
        raise PermissionDenied("Only moderators can do that.")


def _flag_target(request):
    for key, (app_label, model) in FLAGGABLE.items():
        value = request.GET.get(key) or request.POST.get(key)
        if value:
            content_type = ContentType.objects.get_by_natural_key(app_label, model)
            try:
                return key, value, content_type.get_object_for_this_type(pk=int(value))
            except (ValueError, content_type.model_class().DoesNotExist) as exc:
                raise Http404("Nothing to flag there.") from exc
    raise Http404("Nothing to flag there.")


@login_required
@require_http_methods(["GET", "POST"])
def flag(request):
    key, value, target = _flag_target(request)
    if not permissions.can_flag(request.user):
        raise PermissionDenied(
            suspension_message(request.user) if request.user.is_suspended else "You cannot flag."
        )
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, created = services.flag_content(
            target=target,
            reporter=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
        messages.success(
            request,
            "Thank you: the moderators will look at it."
            if created
            else "You have already flagged this; the moderators will look at it.",
        )
        return redirect(target.get_absolute_url())
    return render(
        request,
        "moderation/flag_form.html",
        {"form": form, "target": target, "key": key, "value": value},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def queue(request):
    _require_moderator(request)
    order = "most" if request.GET.get("order") == "most" else "oldest"
    page = Paginator(services.queue(order), 20).get_page(request.GET.get("page"))
    groups = list(page.object_list)
    flags_by_key: dict = {}
    for flag_row in (
        Flag.objects.open()
        .filter(object_id__in=[g["object_id"] for g in groups])
        .select_related("content_type")
    ):
        flags_by_key.setdefault((flag_row.content_type_id, flag_row.object_id), []).append(flag_row)
    types = {
        ct.pk: ct
        for ct in ContentType.objects.filter(pk__in={g["content_type_id"] for g in groups})
    }
    targets = _load_targets(types, groups)
    items = []
    for group in groups:
        content_type = types[group["content_type_id"]]
        target = targets.get((content_type.pk, group["object_id"]))
        if target is None:
            continue
        owner = getattr(target, "moderation_owner", None)
        items.append(
            {
                "group": group,
                "content_type": content_type,
                "target": target,
                "owner": owner,
                "flags": flags_by_key.get((group["content_type_id"], group["object_id"]), []),
                "preview": gate(target.moderation_preview(), {}, preview=True),
                "can_hide": getattr(target, "moderation_can_hide", True),
                "form": ActionForm(
                    initial={"content_type": content_type.pk, "object_id": target.pk}
                ),
            }
        )
    return render(request, "moderation/queue.html", {"items": items, "page": page, "order": order})


def _load_targets(types, groups) -> dict:
    """{(content type id, object id): object}, one query per content type. Forward foreign
    keys come in the same query, so an item's owner, article or opening post costs nothing."""
    ids_by_type: dict = {}
    for group in groups:
        ids_by_type.setdefault(group["content_type_id"], []).append(group["object_id"])
    targets = {}
    for type_id, ids in ids_by_type.items():
        model = types[type_id].model_class()
        related = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and (f.many_to_one or f.one_to_one)
        ]
        for target in model._default_manager.select_related(*related).filter(pk__in=ids):
            targets[(type_id, target.pk)] = target
    return targets


@login_required
@require_POST
def act(request):
    _require_moderator(request)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That action could not be understood.")
        return redirect("moderation:queue")
    data = form.cleaned_data
    content_type = get_object_or_404(ContentType, pk=data["content_type"])
    model = content_type.model_class()
    if model is None or not hasattr(model, "moderation_state"):
        raise Http404("Not moderatable.")
    target = get_object_or_404(model, pk=data["object_id"])
    reason = data["reason"] or ""
    action = data["action"]
    try:
        if action == "dismiss":
            services.dismiss_flags(target=target, moderator=request.user, reason=reason)
            messages.success(request, "Flags dismissed.")
        elif action in ("hide", "hide_warn"):
            changed = services.hide_content(target=target, moderator=request.user, reason=reason)
            if changed and action == "hide_warn" and target.moderation_owner is not None:
                services.warn_member(
                    member=target.moderation_owner,
                    moderator=request.user,
                    reason=reason or "Your content was removed by a moderator.",
                )
            if changed:
                messages.success(request, "Hidden.")
            else:
                messages.error(
                    request,
                    "Nothing changed: it was already hidden, or cannot be hidden (a wiki "
                    "revision can be hidden only while it is the article's current one).",
                )
        elif action == "restore":
            changed = services.restore_content(target=target, moderator=request.user, reason=reason)
            messages.success(request, "Restored." if changed else "It was not hidden.")
        elif action == "suspend":
            owner = target.moderation_owner
            if owner is None:
                raise services.ModerationError("This content has no author to suspend.")
            services.suspend_member(
                member=owner,
                moderator=request.user,
                reason=reason or "Breaking the site rules.",
                days=data["days"] or 7,
            )
            services.dismiss_flags(target=target, moderator=request.user, reason="author suspended")
            messages.success(
                request, f"{owner.username} is suspended for {data['days'] or 7} days."
            )
    except services.ModerationError as exc:
        messages.error(request, str(exc))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    return redirect(next_url or "moderation:queue")


@login_required
@require_http_methods(["GET", "POST"])
def member(request, username):
    _require_moderator(request)
    member = get_object_or_404(get_user_model(), username=username)
    form = SuspendForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("lift"):
            try:
                services.lift_suspension(
                    member=member, moderator=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, f"{member.username} may post again.")
            except services.ModerationError as exc:
                messages.error(request, str(exc))
            return redirect("moderation:member", username=member.username)
        if form.is_valid():
            try:
                services.suspend_member(
                    member=member,
                    moderator=request.user,
                    reason=form.cleaned_data["reason"],
                    days=None if form.cleaned_data["ban"] else form.cleaned_data["days"],
                )
                messages.success(request, f"{member.username} is suspended.")
                return redirect("moderation:member", username=member.username)
            except services.ModerationError as exc:
                form.add_error(None, str(exc))
    events = ModerationEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(member), object_id=member.pk
    )[:50]
    return render(
        request,
        "moderation/member.html",
        {
            "member": member,
            "form": form,
            "events": events,
            "suspensions": member.suspensions.all()[:20],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def log(request):
    _require_moderator(request)
    events = ModerationEvent.objects.select_related("content_type")
    action = request.GET.get("action", "")
    actor = request.GET.get("actor", "").strip()
    model = request.GET.get("model", "")
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_name__iexact=actor)
    if model:
        events = events.filter(content_type__model=model)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "moderation/log.html",
        {
            "page": page,
            "actions": ModerationEvent.Action.choices,
            "action": action,
            "actor": actor,
            "model": model,
        },
    )


@login_required
@require_POST
def acknowledge_warning(request, pk):
    """The member has read a moderator's warning."""
    from .context_processors import forget_warnings
    from .models import Warning

    Warning.objects.filter(pk=pk, user=request.user).update(is_acknowledged=True)
    forget_warnings(request.user.pk)
    return redirect(request.POST.get("next") if _same_site(request) else "/")


def _same_site(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    return url_has_allowed_host_and_scheme(
        request.POST.get("next"),
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    )
