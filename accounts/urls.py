from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("home/", views.home, name="home"),
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("invite/<uidb64>/<token>/", views.InviteAcceptView.as_view(), name="invite_accept"),
    path("second-factor/", views.SecondFactorView.as_view(), name="mfa_verify"),
    path("second-factor/set-up/", views.AppSetupView.as_view(), name="mfa_setup"),
    path(
        "second-factor/recovery-codes/",
        views.RecoveryCodesView.as_view(),
        name="mfa_recovery_codes",
    ),
    path("confirm-password/", views.ConfirmPasswordView.as_view(), name="reauthenticate"),
]
