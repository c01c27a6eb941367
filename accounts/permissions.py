"""View mixins and decorators that admit one role and refuse the others.

Anonymous visitors are sent to the login page; a logged-in user of another role gets 403.
"""

from django.contrib.auth.mixins import AccessMixin

from accounts.models import User


class RoleRequiredMixin(AccessMixin):
    allowed_roles: tuple[str, ...] = ()
    raise_exception = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.user.role not in self.allowed_roles:
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class ClientRequiredMixin(RoleRequiredMixin):
    allowed_roles = (User.Role.CLIENT,)


class TherapistRequiredMixin(RoleRequiredMixin):
    allowed_roles = (User.Role.THERAPIST,)


class ClinicAdminRequiredMixin(RoleRequiredMixin):
    allowed_roles = (User.Role.CLINIC_ADMIN,)


class StaffRequiredMixin(RoleRequiredMixin):
    """Therapists and clinic admins."""

    allowed_roles = (User.Role.THERAPIST, User.Role.CLINIC_ADMIN)
