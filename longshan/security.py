"""Sign-in protection and session limits: lockout by username, idle and absolute limits.

Failed sign-ins are counted per username by django-axes (settings `AXES_*`): the
township offices share one network address, so locking an address would lock out a
whole township, and an attacker can vary X-Forwarded-For at will. Sign-ins, failures,
lockouts and sessions ended by a limit are written to the audit trail.
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.shortcuts import render
from django.utils import timezone

from . import audit, navigation

SIGNED_IN_AT_KEY = "longshan_signed_in_at"
LAST_SEEN_KEY = "longshan_last_seen"


class SignInLockoutBackend(AxesStandaloneBackend):
    """Refuse a sign-in for a locked-out username; authenticate nobody itself.

    A call without a request is not a sign-in through the web (the test client's
    `login()`, a management command): it is neither counted nor refused, where axes's own
    backend would raise an error.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_minutes():
    """Return how long a locked-out username waits, in whole minutes."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(request, original_response=None, credentials=None):
    """Answer a sign-in of a locked-out username with the login page and its reason."""
    # Unbound, with the username kept: validating it would try to authenticate again.
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "locked_out_minutes": lockout_minutes()}
    context["next"] = request.POST.get("next", "")
    return render(
        request,
        "registration/login.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class SessionLimitMiddleware:
    """End a signed-in session when idle too long, too old, or its user was deactivated.

    Idle: no request for SESSION_COOKIE_AGE seconds. The session is renewed (saved, which
    moves the cookie's and the database row's expiry) at most every
    LONGSHAN_SESSION_IDLE_RENEWAL seconds, so a page view seldom costs a write. Too old:
    LONGSHAN_SESSION_MAX_AGE seconds after the sign-in, whatever the activity.
    Place after AuthenticationMiddleware and AuditContextMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reason = self._reason_to_end(request)
        if reason:
            username = _session_username(request)
            logout(request)
            audit.record(
                "auth.session_ended",
                actor=None,
                actor_username=username,
                changes={"reason": reason},
            )
        return self.get_response(request)

    @staticmethod
    def _reason_to_end(request):
        session = getattr(request, "session", None)
        if session is None or "_auth_user_id" not in session:
            return ""
        if not request.user.is_authenticated:
            # The account was deactivated or deleted: ModelBackend gives no user back.
            return "inactive"
        now = timezone.now().timestamp()
        signed_in_at = session.get(SIGNED_IN_AT_KEY)
        if signed_in_at is None or now - signed_in_at > settings.LONGSHAN_SESSION_MAX_AGE:
            return "absolute_limit"
        last_seen = session.get(LAST_SEEN_KEY, signed_in_at)
        if now - last_seen > settings.SESSION_COOKIE_AGE:
            return "idle"
        if now - last_seen > settings.LONGSHAN_SESSION_IDLE_RENEWAL:
            session[LAST_SEEN_KEY] = now
        return ""


def _session_username(request):
    from django.contrib.auth import get_user_model

    user_id = request.session.get("_auth_user_id")
    User = get_user_model()
    return User._default_manager.filter(pk=user_id).values_list("username", flat=True).first() or ""


def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[SIGNED_IN_AT_KEY] = now
        request.session[LAST_SEEN_KEY] = now
        held = navigation.permission_items_held_by(user)
        request.session[navigation.PERMISSION_ITEMS_SESSION_KEY] = held
    audit.record("auth.signed_in", actor=user, target=user)


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        "auth.sign_in_failed", actor=None, actor_username=username, changes={"username": username}
    )


def _locked_out(sender, request, username, ip_address, **kwargs):
    audit.record(
        "auth.locked_out",
        actor=None,
        actor_username=str(username or "")[:150],
        changes={"username": username, "minutes": lockout_minutes()},
    )


def connect_signals():
    """Connect the audit receivers of sign-in events (called from AppConfig.ready)."""
    from axes.signals import user_locked_out

    user_logged_in.connect(_signed_in, dispatch_uid="longshan_signed_in")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="longshan_sign_in_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="longshan_locked_out")
