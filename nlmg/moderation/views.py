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
from nlmg.spoilers.models import LintReport
from nlmg.spoilers.publishing import ContentError

from . import permissions, registry, services
from .context_processors import forget_warnings
from .forms import ActionForm, FlagForm, ObjectActionForm, SuspendForm
from .guards import suspension_message
from .models import Flag, ModerationEvent, Warning


def _require_moderator(request):
    if not permissions.can_moderate(request.user):
        raise PermissionDenied("Only moderators can do that.")


def _flag_target(request):
    """(key, value, object) of what a flag is about: ``?post=12``, ``?thread=3``..."""
    for kind in registry.kinds():
        value = request.GET.get(kind.key) or request.POST.get(kind.key)
        if value and kind.flaggable:
            try:
                return kind.key, value, kind.model._default_manager.get(pk=int(value))
            except (ValueError, OverflowError, kind.model.DoesNotExist) as exc:
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
    form = FlagForm(request.POST or None, target=target)
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
    """Flags grouped by what they are about, and content published over lint warnings."""
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
    reports = list(LintReport.objects.filter(is_resolved=False).order_by("created_at")[:20])
    keys = [(g["content_type_id"], g["object_id"]) for g in groups]
    keys += [(r.content_type_id, r.object_id) for r in reports]
    targets = _load_targets(keys)
    items = []
    for group in groups:
        key = (group["content_type_id"], group["object_id"])
        if key in targets:
            items.append(_item(targets[key], flags=flags_by_key.get(key, []), group=group))
    lint_items = [
        _item(targets[(r.content_type_id, r.object_id)], report=r)
        for r in reports
        if (r.content_type_id, r.object_id) in targets
    ]
    return render(
        request,
        "moderation/queue.html",
        {"items": items, "lint_items": lint_items, "page": page, "order": order},
    )


def _item(target, *, flags=(), group=None, report=None) -> dict:
    """What the queue shows of one flagged or linted object, and what can be done to it."""
    kind = registry.kind_of(target)
    content_type = ContentType.objects.get_for_model(target)
    return {
        "group": group,
        "report": report,
        "kind": kind,
        "target": target,
        "title": target.moderation_title(),
        "owner": target.moderation_owner,
        "is_hidden": getattr(target, "is_hidden", False),
        "flags": flags,
        "preview": gate(target.moderation_preview(), {}, preview=True),
        "actions": set(kind.actions),
        "form": ActionForm(initial={"content_type": content_type.pk, "object_id": target.pk}),
    }


def _load_targets(keys) -> dict:
    """{(content type id, object id): object}, one query per registered kind, with its
    owner and what names it (a post's thread and board) in the same query."""
    ids_by_type: dict = {}
    for type_id, object_id in keys:
        ids_by_type.setdefault(type_id, set()).add(object_id)
    targets = {}
    for type_id, ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        kind = registry.kind_of(model) if model is not None else None
        if kind is None:
            continue
        forward = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and (f.many_to_one or f.one_to_one)
        ]
        queryset = model._default_manager.select_related(*forward, *kind.related)
        for target in queryset.filter(pk__in=ids):
            targets[(type_id, target.pk)] = target
    return targets


@login_required
@require_POST
def act(request):
    """One moderator action on one object, from the queue or from the page showing it."""
    _require_moderator(request)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That action could not be understood.")
        return redirect(_next_url(request))
    data = form.cleaned_data
    content_type = get_object_or_404(ContentType, pk=data["content_type"])
    kind = registry.kind_of(content_type.model_class() or ContentType)
    if kind is None:
        raise Http404("Not moderatable.")
    target = get_object_or_404(kind.model, pk=data["object_id"])
    report_message(request, target, data)
    return redirect(_next_url(request))


def act_on(request, target) -> None:
    """Run the moderator action posted for ``target`` (a page's own moderator tools) and say
    how it went, in a message."""
    form = ObjectActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That action could not be understood.")
        return
    report_message(request, target, form.cleaned_data)


def report_message(request, target, data) -> None:
    """Run the action of a moderator's form and say how it went, in a message."""
    try:
        done = services.perform_action(
            target=target,
            moderator=request.user,
            action=data["action"],
            reason=data.get("reason") or "",
            value=data.get("scope") or data.get("value") or "",
            report_id=data.get("report"),
            days=data.get("days"),
        )
    except (services.ModerationError, ContentError) as exc:
        messages.error(request, _error_text(exc))
    else:
        if done:
            messages.success(request, f"Done: {done}.")
        else:
            messages.info(request, "Nothing changed: it already was so, or cannot be done.")


def _error_text(exc) -> str:
    errors = getattr(exc, "errors", None)
    return " ".join(e for es in errors.values() for e in es) if errors else str(exc)


def _next_url(request) -> str:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return "/moderation/"


@login_required
@require_POST
def undo(request, pk):
    """Take back one logged action (as a new, logged action)."""
    _require_moderator(request)
    event = get_object_or_404(ModerationEvent.objects.select_related("content_type"), pk=pk)
    try:
        changed = services.undo_event(
            event=event, moderator=request.user, reason=request.POST.get("reason", "")
        )
    except (services.ModerationError, ContentError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Undone." if changed else "Nothing to undo: it was already so.")
    return redirect(_next_url(request) if request.POST.get("next") else "moderation:log")


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
    rows = [{"event": e, "can_undo": services.can_undo(e)} for e in page.object_list]
    return render(
        request,
        "moderation/log.html",
        {
            "page": page,
            "rows": rows,
            "actions": ModerationEvent.Action.choices,
            "kinds": registry.kinds(),
            "action": action,
            "actor": actor,
            "model": model,
        },
    )


@login_required
@require_POST
def acknowledge_warning(request, pk):
    """The member has read a moderator's warning."""
    Warning.objects.filter(pk=pk, user=request.user).update(is_acknowledged=True)
    forget_warnings(request.user.pk)
    return redirect(request.POST.get("next") if _same_site(request) else "/")


def _same_site(request) -> bool:
    return url_has_allowed_host_and_scheme(
        request.POST.get("next"),
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    )
