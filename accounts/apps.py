from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.sessions import record_login

        user_logged_in.connect(record_login, dispatch_uid="accounts.record_login")
