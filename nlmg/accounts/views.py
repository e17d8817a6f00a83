from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from nlmg.moderation.guards import (
    client_address,
    honeypot_filled,
    login_throttled,
    record_login_failure,
    suspension_message,
)

from .forms import ProfileForm, SignUpForm
from .models import User


class LoginView(auth_views.LoginView):
    """Django's log-in, throttled per account and per address after repeated failures."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        refusal = login_throttled(request.POST.get("username", ""), client_address(request))
        if refusal:
            # The password is not even checked while throttled; the username is kept.
            form = self.get_form_class()(
                request, initial={"username": request.POST.get("username", "")}
            )
            context = self.get_context_data(form=form, throttle_message=refusal)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        record_login_failure(self.request.POST.get("username", ""), client_address(self.request))
        return super().form_invalid(form)


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and honeypot_filled(request):
        form.is_valid()
        form.add_error(None, "This form was filled in by a robot, so no account was created.")
        return render(request, "accounts/signup.html", {"form": form}, status=400)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="nlmg.accounts.backends.CachedPermissionsBackend")
        messages.success(request, f"Welcome, {user.public_name}! Your account is ready.")
        return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


def profile(request, username):
    member = get_object_or_404(User, username=username, is_active=True)
    return render(request, "accounts/user_detail.html", {"member": member})


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request):
    if request.user.is_suspended:
        # The bio and display name are public text: a suspension stops them changing too.
        raise PermissionDenied(suspension_message(request.user))
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile has been saved.")
        return redirect(request.user)
    return render(request, "accounts/user_form.html", {"form": form})
