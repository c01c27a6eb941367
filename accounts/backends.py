"""The authentication backend: Django's, loading the user with her role in one query."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class RoleAwareBackend(ModelBackend):
    def get_user(self, user_id):
        user = User.objects.get_with_role(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
